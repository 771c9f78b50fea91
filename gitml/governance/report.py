"""The Markdown report of ``git ml check`` (a pull-request comment or ``$GITHUB_STEP_SUMMARY``)."""

from __future__ import annotations

from typing import Any

from gitml import escape
from gitml.governance.check import CheckReport
from gitml.governance.findings import Finding
from gitml.governance.promotions import PromotionCheck


def _esc(text: Any) -> str:
    return escape.markdown(str(text))


def _code(text: Any) -> str:
    return escape.code(str(text)).replace("|", "\\|")


def _num(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "—" if value is None else _esc(value)


def _finding_rows(findings: list[Finding]) -> list[str]:
    rows = ["| | rule | where | what to do |", "|---|---|---|---|"]
    for f in findings:
        mark = "❌" if f.severity == "error" else "⚠️"
        where = _code(f.file) + (f" {_code(f.field)}" if f.field else "")
        rows.append(f"| {mark} | {_code(f.rule)} | {where} | {_esc(f.message)} |")
    return rows


def _promotion(p: PromotionCheck) -> list[str]:
    prop = p.proposal
    cand, cur = prop.candidate, prop.current
    errors = [f for f in p.findings if f.severity == "error"]
    status = "❌ blocked" if errors else "✅ passes policy"
    lines = [f"### {_esc(prop.model)} {_esc(prop.version)} → {_code(prop.stage)}: {status}", ""]
    lines += ["| | candidate | current |", "|---|---|---|"]
    lines.append(f"| version | **{_esc(prop.version)}** | {_esc(cur['version'] if cur else '—')} |")
    lines.append(
        f"| run | {_esc(cand['run']['name'] or cand['run']['id'])} "
        f"| {_esc(cur['run']['name'] or cur['run']['id']) if cur else '—'} |"
    )
    old_metrics = cur["metrics"] if cur else {}
    for name in sorted(set(cand["metrics"]) | set(old_metrics)):
        lines.append(
            f"| {_esc(name)} | {_num(cand['metrics'].get(name))} | {_num(old_metrics.get(name))} |"
        )
    lines.append(
        f"| code | {_code(cand['code']['commit'][:12])}"
        f"{' (dirty)' if cand['code']['dirty'] else ''} "
        f"| {_code(cur['code']['commit'][:12]) if cur else '—'} |"
    )
    lines.append("")
    if p.findings:
        lines += [*_finding_rows(p.findings), ""]
    return lines


def markdown(report: CheckReport) -> str:
    errors = report.errors
    head = "✅ gitml check passed" if not errors else f"❌ gitml check: {len(errors)} error(s)"
    lines = [f"## {head}", ""]
    span = (
        f"`{report.base[:12]}..{report.head[:12]}`" if report.base and report.head else report.mode
    )
    lines.append(
        f"Checked {span}: {report.files} file(s), {report.records} record(s), "
        f"{len(report.promotions)} promotion(s)."
    )
    lines.append("")
    for p in report.promotions:
        lines += _promotion(p)
    if report.findings:
        lines += ["### Other findings", "", *_finding_rows(report.findings), ""]
    return "\n".join(lines).rstrip() + "\n"
