"""Monitoring and scan reports on ``refs/gitml/monitor``.

Layout: ``monitor/<model>/<version>/<id>.toml`` (schema ``gitml/monitor-report/1``).
Reads go through the query index; "latest" means latest in the ref's own commit order
(a pulled report's id could claim any time), and ``latest_report`` picks the newest of
one kind, so a passing ``scan`` never hides an alerting ``monitor`` report from the
``require_monitor_ok`` rule.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from gitml.integrity.layouts import require_identity
from gitml.records import codec
from gitml.records.ids import new_id
from gitml.records.schema import validate
from gitml.records.typed import typed
from gitml.storage import MONITOR_REF
from gitml.storage.collection import DECLARED, Collection, open_collection
from gitml.storage.index import Index, parse_record
from gitml.storage.repo import GitRepo

if TYPE_CHECKING:
    from gitml.records.shapes import FindingTable, JsonObject, MonitorReportRecord

SCHEMA = "gitml/monitor-report/1"
PREFIX = DECLARED[MONITOR_REF].prefix
ReportKind = Literal["monitor", "scan"]


def collection(repo: GitRepo) -> Collection:
    return open_collection(repo, MONITOR_REF)


def report_path(model: str, version: str, report_id: str) -> str:
    return f"{PREFIX}/{model}/{version}/{report_id}.toml"


def build_report(
    *,
    kind: ReportKind,
    model: str,
    version: str,
    rows: int,
    findings: Sequence[Mapping[str, Any]],
    data: str,
    reference: str | None = None,
    metrics: Mapping[str, float] | None = None,
    options: Mapping[str, Any] | None = None,
    created: datetime | None = None,
) -> MonitorReportRecord:
    """A report record, validated; ``alert`` is true when any finding alerts."""

    doc: codec.Doc = {
        "schema": SCHEMA,
        "id": new_id(),
        "kind": kind,
        "model": model,
        "version": version,
        "created": (created or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0),
        "data": data,
        "reference": reference,
        "rows": rows,
        "alert": any(f["alert"] for f in findings),
        "alerts": sum(1 for f in findings if f["alert"]),
        "options": dict(options or {}),
        "metrics": dict(metrics or {}),
        "findings": [dict(f) for f in findings],
    }
    return typed(codec.canonical(doc), "monitor-report", where=f"report on {model}:{version}")


def unjudged(doc: MonitorReportRecord) -> list[FindingTable]:
    """Findings over their threshold that too few rows kept from being judged."""
    return [f for f in doc["findings"] if f.get("judged") is False and f["value"] > f["threshold"]]


def verdict(doc: MonitorReportRecord) -> str:
    """``ALERT``, ``not judged`` (nothing alerts, but a check over its threshold had too
    few rows to decide) or ``ok``."""
    if doc["alert"]:
        return "ALERT"
    return "not judged" if unjudged(doc) else "ok"


def save_report(repo: GitRepo, doc: MonitorReportRecord) -> str:
    """Validate and store ``doc``; returns its path on ``refs/gitml/monitor``."""

    path = report_path(doc["model"], doc["version"], doc["id"])
    validate(doc, "monitor-report", where=path)
    message = (
        f"{doc['kind']} {doc['model']}:{doc['version']}: {verdict(doc)} ({doc['alerts']} alerts)"
    )
    collection(repo).put(path, codec.dump_bytes(doc), message)
    return path


def parse_report_record(path: str, data: bytes) -> codec.Doc | None:
    """Index parser: a valid report that is what its path says."""

    doc = parse_record(path, data)
    if doc is not None:
        require_identity(MONITOR_REF, path, data, doc)
    return doc


def _reports(
    repo: GitRepo, folder: str, *, kind: ReportKind | None = None, limit: int | None = None
) -> list[MonitorReportRecord]:
    """Valid reports under ``folder``, newest first by commit order (JSON form)."""

    coll = collection(repo)
    if coll.tip() is None:
        return []
    where = "path >= ? AND path < ?"
    params: list[Any] = [folder + "/", folder + "0"]
    if kind is not None:
        where += " AND json_extract(doc, '$.kind') = ?"
        params.append(kind)
    index = Index.for_collection(coll, parse_report_record)
    try:
        rows = index.rows(coll, where, params, "seq DESC, id DESC", limit, kind=SCHEMA)
    finally:
        index.close()
    return [typed(row.doc, "monitor-report", where=None) for row in rows]


def iter_reports(
    repo: GitRepo, model: str, version: str | None = None
) -> Iterator[MonitorReportRecord]:
    """Reports of ``model`` (optionally one version), newest first (JSON form)."""
    yield from _reports(repo, f"{PREFIX}/{model}" + (f"/{version}" if version else ""))


def latest_report(
    repo: GitRepo, model: str, version: str, kind: ReportKind = "monitor"
) -> MonitorReportRecord | None:
    """The newest report of ``kind`` on ``model`` ``version`` (by commit order), or None."""
    found = _reports(repo, f"{PREFIX}/{model}/{version}", kind=kind, limit=1)
    return found[0] if found else None


def invalid_reports(repo: GitRepo, model: str) -> list[tuple[str, str]]:
    """(path, problem) of every report of ``model`` that is unreadable or misfiled."""

    coll = collection(repo)
    if coll.tip() is None:
        return []
    index = Index.for_collection(coll, parse_report_record)
    try:
        prefix = f"{PREFIX}/{model}/"
        return [(p, e) for p, e in index.errors(coll) if p.startswith(prefix)]
    finally:
        index.close()


def summary(doc: MonitorReportRecord) -> JsonObject:
    """A report without its findings (for ``monitor log``)."""
    created = doc["created"]
    return {
        "id": doc["id"],
        "kind": doc["kind"],
        "model": doc["model"],
        "version": doc["version"],
        "created": created.isoformat() if isinstance(created, datetime) else str(created),
        "rows": doc["rows"],
        "alert": doc["alert"],
        "alerts": doc["alerts"],
        "verdict": verdict(doc),
        "data": doc["data"],
    }
