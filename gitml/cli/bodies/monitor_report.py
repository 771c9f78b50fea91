"""What ``git ml monitor`` and ``scan`` share: the report options, and how a report is
built, kept and shown.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from gitml.cli._output import Output
from gitml.cli._repo import repo_and_settings
from gitml.errors import ALERT_EXIT, UsageError
from gitml.monitor.report import (
    build_report,
    invalid_reports,
    iter_reports,
    save_report,
    summary,
    unjudged,
)
from gitml.monitor.report import verdict as verdict_of
from gitml.registry.names import check_model_name
from gitml.registry.query import parse_ref, resolve

if TYPE_CHECKING:
    from gitml.monitor.check import Outcome
    from gitml.monitor.report import ReportKind
    from gitml.records.shapes import (
        FindingTable,
        JsonObject,
        ModelVersionRecord,
        MonitorReportRecord,
    )
    from gitml.registry.query import ModelRef

FINDING_COLUMNS = ("alert", "kind", "column", "method", "value", "threshold", "message")


def _markdown(doc: MonitorReportRecord, findings: list[FindingTable]) -> str:
    verdict = "**ALERT**" if doc["alert"] else verdict_of(doc)
    lines = [
        f"### {doc['kind']} {doc['model']}:{doc['version']}: {verdict}",
        "",
        f"{doc['rows']} rows of `{doc['data']}`"
        + (f" against `{doc['reference']}`" if doc.get("reference") else "")
        + f"; {doc['alerts']} alert(s).",
        "",
        "| alert | kind | column | method | value | threshold | message |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in findings:
        cells = ["⚠" if f["alert"] else "", f["kind"], f"`{f['column']}`", f["method"]]
        cells += [f"{f['value']:.4g}", f"{f['threshold']:g}", f["message"].replace("|", "\\|")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _show(
    doc: MonitorReportRecord, path: str | None, fmt: str, show_all: bool, out: Output
) -> None:
    if out.json_mode:
        out.json({**_jsonable(doc), "stored": path})
        return
    findings = doc["findings"]
    shown = findings if show_all else [f for i, f in enumerate(findings) if f["alert"] or i < 20]
    if out.quiet:  # the exit status says whether there was an alert; the report is stored
        pass
    elif fmt == "markdown":
        out.line(_markdown(doc, shown))
    else:
        rows = [{**f, "alert": "ALERT" if f["alert"] else ""} for f in shown]
        out.table(rows, FINDING_COLUMNS, never_truncate=FINDING_COLUMNS)  # messages stay whole
    hidden = len(findings) - len(shown)
    if hidden:
        out.info(f"{hidden} more finding(s) within thresholds; --all shows them")
    verdict = _verdict_text(doc)
    where = f"; report {doc['id']} on refs/gitml/monitor" if path else ""
    out.info(f"{doc['model']}:{doc['version']}: {doc['rows']} rows, {verdict}{where}")


def _verdict_text(doc: MonitorReportRecord) -> str:
    if doc["alert"]:
        return f"ALERT: {doc['alerts']} finding(s) over threshold"
    waiting = unjudged(doc)
    if waiting:
        return (
            f"not judged: {len(waiting)} finding(s) over threshold on too few rows to decide "
            "(see the messages); check a larger batch"
        )
    return "ok"


def _jsonable(doc: MonitorReportRecord) -> JsonObject:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in doc.items()}


def log_reports(model: str, version: str | None, json: bool) -> None:
    """List the stored reports of a model (or one version of it)."""
    repo, _settings = repo_and_settings()
    rows = [summary(d) for d in iter_reports(repo, check_model_name(model), version)]
    out = Output(json)
    for _path, problem in invalid_reports(repo, model):
        out.warn(f"skipped an unreadable report: {problem}")
    none = f"no monitoring reports for {model!r}; `git ml monitor {model} --data FILE` adds one"
    if out.listed(rows, none=none, none_is_data=False):
        return
    shown = [{**r, "alert": r["verdict"]} for r in rows]
    out.table(shown, ("created", "id", "kind", "version", "rows", "alert", "alerts", "data"))


def check_format(fmt: str) -> None:
    """Refuse a ``--format`` other than table or markdown."""
    if fmt not in ("table", "markdown"):
        raise UsageError(f"--format {fmt!r}: use table or markdown (or --json)")


class ReportView(NamedTuple):
    """How a monitor or scan report is kept and shown (the options both commands take)."""

    fmt: str = "table"
    show_all: bool = False
    no_save: bool = False
    json: bool = False
    quiet: bool = False


def resolved(target: str) -> tuple[Any, ModelRef, ModelVersionRecord]:
    """The repository, the parsed ``target`` and the version it names."""
    repo, settings = repo_and_settings()
    ref = parse_ref(target)
    return repo, ref, resolve(repo, settings, ref)


def finish(repo: Any, doc: MonitorReportRecord, view: ReportView) -> int:
    """Store the report (unless --no-save), show it; the exit code (ALERT_EXIT on an alert)."""
    path = None if view.no_save else save_report(repo, doc)
    _show(doc, path, view.fmt, view.show_all, Output(view.json, quiet=view.quiet))
    return ALERT_EXIT if doc["alert"] else 0


def build(
    kind: ReportKind,
    ref: ModelRef,
    version: ModelVersionRecord,
    outcome: Outcome,
    *,
    data: Path,
    reference: str | None = None,
    **options: str | None,
) -> MonitorReportRecord:
    """The report of ``outcome`` on ``version``, recording the ``options`` given."""
    return build_report(
        kind=kind,
        model=ref.model,
        version=version["version"],
        rows=outcome.rows,
        findings=outcome.findings,
        data=str(data),
        reference=reference,
        metrics=outcome.metrics,
        options={k: v for k, v in options.items() if v},
    )
