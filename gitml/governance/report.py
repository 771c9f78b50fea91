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
    cand, cur = prop.candidate, prop.current or {}
    errors = [f for f in p.findings if f.severity == "error"]
    status = "❌ blocked" if errors else "✅ passes policy"
    lines = [f"### {_esc(prop.model)} {_esc(prop.version)} → {_code(prop.stage)}: {status}", ""]
    lines += ["| | candidate | current |", "|---|---|---|"]
    lines.append(f"| version | **{_esc(prop.version)}** | {_esc(cur.get('version', '—'))} |")
    lines.append(
        f"| run | {_esc(cand.get('run', {}).get('name') or cand.get('run', {}).get('id', ''))} "
        f"| {_esc(cur.get('run', {}).get('name') or cur.get('run', {}).get('id', '—'))} |"
    )
    metrics = sorted(set(cand.get("metrics", {})) | set(cur.get("metrics", {})))
    for name in metrics:
        lines.append(
            f"| {_esc(name)} | {_num(cand.get('metrics', {}).get(name))} "
            f"| {_num(cur.get('metrics', {}).get(name) if cur else None)} |"
        )
    code_c, code_o = cand.get("code", {}), cur.get("code", {})
    lines.append(
        f"| code | {_code(str(code_c.get('commit') or '')[:12])}"
        f"{' (dirty)' if code_c.get('dirty') else ''} "
        f"| {_code(str(code_o.get('commit'))[:12]) if code_o.get('commit') else '—'} |"
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
