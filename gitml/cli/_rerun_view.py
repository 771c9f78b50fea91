"""Human rendering of ``git ml rerun`` results, dry runs and sets (text only)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from gitml.cli._output import render_table
from gitml.cli._runs_view import duration, number
from gitml.units import format_bytes

if TYPE_CHECKING:
    from gitml.rerun.envdiff import EnvDiff
    from gitml.rerun.report import RerunPlan, RerunResult, SetOutcome
    from gitml.rerun.verdict import MetricCheck


def _signed(value: float | None) -> str:
    if value is None:
        return "-"
    return "0" if value == 0 else f"{value:+.4g}"


def metric_rows(checks: Sequence[MetricCheck]) -> list[dict[str, str]]:
    return [
        {
            "metric": m.name,
            "recorded": number(m.expected),
            "rerun": number(m.actual),
            "delta": _signed(m.delta),
            "rel": "-" if m.rel is None else f"{m.rel:.3g}",
            "tolerance": f"{m.tolerance:g}",
            "": "ok" if m.ok else "DIFFERS",
        }
        for m in checks
    ]


def env_lines(env: EnvDiff, indent: str = "  ") -> list[str]:
    if not env:
        return ["environment: as recorded"]
    lines = ["environment differs from the recorded one:"]
    width = max([len(c.field) for c in env.changes] + [len("packages")])
    for change in env.changes:
        lines.append(
            f"{indent}{change.field.ljust(width)}  {change.recorded or '(none)'} -> "
            f"{change.current or '(none)'}"
        )
    if env.packages:
        lines.append(f"{indent}{'packages'.ljust(width)}  {env.packages.summary()}")
    return lines


def result_lines(result: RerunResult) -> list[str]:
    original, doc = result.original, result.doc
    lines = [
        f"rerun of {original['id']} {original['name']}: {result.verdict}",
        f"  recorded as {doc['id']} {doc['name']} ({doc['status']}, exit {doc['exit_code']}, "
        f"{duration(doc.get('duration_s'))}; gitml overhead {result.overhead_s:.2f}s)",
    ]
    if result.judgement.metrics:
        cols = ["metric", "recorded", "rerun", "delta", "rel", "tolerance", ""]
        lines.append(render_table(metric_rows(result.judgement.metrics), cols, width=1000))
    else:
        lines.append("no metrics recorded")
    changed = {p: s for p, s in result.judgement.outputs.items() if s != "same"}
    same = len(result.judgement.outputs) - len(changed)
    if result.judgement.outputs:
        lines.append(
            f"outputs: {same} identical" + "".join(f", {p} {s}" for p, s in changed.items())
        )
    lines.extend(env_lines(result.env))
    for item in result.inputs:
        where = f" at {item.path}" if item.path != item.key else ""
        count = f"{item.files} file{'s' if item.files != 1 else ''}, {format_bytes(item.nbytes)}"
        lines.append(
            f"data: {item.key}{where} ({count}, {item.digest}) from {item.source}, verified"
        )
    for reason in result.judgement.reasons:
        lines.append(f"why: {reason}")
    for warning in result.warnings:
        lines.append(f"note: {warning}")
    if result.worktree is not None:
        lines.append(
            f"worktree kept at {result.worktree}; remove it with "
            f"`git worktree remove --force {result.worktree}`"
        )
    return lines


def plan_lines(plan: RerunPlan) -> list[str]:
    doc = plan.doc
    state = "ready" if plan.problem is None else "cannot run"
    lines = [
        f"would rerun {doc['id']} {doc['name']}: {state}",
        f"  command     {' '.join(doc.get('command') or ())}  (in {doc.get('cwd', '.')})",
        f"  checkpoint  {plan.checkpoint}",
    ]
    for key, place in plan.inputs.items():
        digest = (doc.get("inputs") or {}).get(key)
        lines.append(f"  input       {key}{f' ({digest})' if digest else ''}: {place}")
    if plan.what_if:
        lines.append(f"  what-if     {', '.join(plan.what_if)} (never 'reproduced')")
    lines.extend("  " + line for line in env_lines(plan.env))
    if plan.problem is not None:
        lines.append(f"  problem     {plan.problem}")
    return lines


def set_lines(outcome: SetOutcome) -> list[str]:
    rows = [
        {
            "run": r.original["id"],
            "name": r.original["name"],
            "rerun": r.doc["id"],
            "verdict": str(r.verdict),
            "differs": ", ".join(m.name for m in r.judgement.metrics if not m.ok),
        }
        for r in outcome.results
    ]
    rows += [
        {"run": d["id"], "name": d["name"], "rerun": "-", "verdict": "error", "differs": e}
        for d, e in outcome.errors
    ]
    lines = []
    if rows:
        cols = ["run", "name", "rerun", "verdict", "differs"]
        lines.append(render_table(rows, cols, never_truncate=("run", "rerun")))
    counts: dict[str, int] = {}
    for r in outcome.results:
        counts[str(r.verdict)] = counts.get(str(r.verdict), 0) + 1
    summary = ", ".join(f"{n} {v}" for v, n in sorted(counts.items())) or "nothing rerun"
    if outcome.errors:
        summary += f", {len(outcome.errors)} could not run"
    lines.append(f"{len(outcome.results) + len(outcome.errors)} runs: {summary}")
    for doc, why in outcome.skipped:
        lines.append(f"skipped {doc['id']} {doc['name']}: {why}")
    if outcome.interrupted:
        lines.append("interrupted; the remaining runs were not rerun")
    return lines


def reruns_lines(reruns: Sequence[Mapping[str, Any]]) -> list[str]:
    """The ``reruns`` section of ``git ml show``."""
    lines = ["reruns"]
    for doc in reruns:
        table = doc.get("rerun") or {}
        what_if = " (what-if: " + ", ".join(table["what_if"]) + ")" if table.get("what_if") else ""
        lines.append(
            f"  {doc['id']}  {doc['name']}  {table.get('verdict', '?')}{what_if}  "
            f"{str(doc.get('started', ''))[:19]}"
        )
    return lines


def rerun_table_lines(doc: Mapping[str, Any]) -> list[str]:
    """The ``rerun`` section of ``git ml show`` for a rerun record."""
    table = doc.get("rerun") or {}
    lines = [f"rerun of {doc.get('parent')}: {table.get('verdict')}"]
    metrics = table.get("metrics") or {}
    if metrics:
        width = max(len(name) for name in metrics)
        for name, m in sorted(metrics.items()):
            lines.append(
                f"  {name.ljust(width)}  {number(m.get('expected'))} -> {number(m.get('actual'))}"
                f"  rel {number(m.get('rel'))} (tolerance {number(m.get('tolerance'))})"
                f"  {'ok' if m.get('ok') else 'DIFFERS'}"
            )
    lines.extend(f"  why: {reason}" for reason in table.get("reasons") or ())
    if table.get("env"):
        lines.append(f"  environment differed in: {', '.join(table['env'])}")
    return lines
