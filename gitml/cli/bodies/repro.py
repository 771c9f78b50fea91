"""The body of ``git ml repro``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from gitml.cli._output import Output
from gitml.cli._runs_view import run_line, sweep_summary
from gitml.cli.bodies.status import UP_TO_DATE
from gitml.pipelines.dispatch import repro as do_repro
from gitml.pipelines.repro import ReproOutcome, ReproRequest
from gitml.runs.params import parse_override

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject


def _argv(
    targets: Sequence[str], flags: dict[str, bool], options: dict[str, Any]
) -> tuple[str, ...]:
    out: list[str] = [f"--{k.replace('_', '-')}" for k, v in flags.items() if v]
    for key, value in options.items():
        values = value if isinstance(value, list | tuple) else [value]
        out.extend(f"--{key.replace('_', '-')}={v}" for v in values if v is not None)
    return (*out, *targets)


def repro(
    *,
    targets: Sequence[str] | None = None,
    force: bool = False,
    single_item: bool = False,
    downstream: bool = False,
    dry_run: bool = False,
    jobs: int = 1,
    set_param: Sequence[str] | None = None,
    name: str | None = None,
    message: str | None = None,
    best: str | None = None,
    json: bool = False,
    quiet: bool = False,
) -> int:
    """Reproduce the stale stages; stage events on stderr; exit with the first failure's code."""
    flags = {"force": force, "single_item": single_item, "downstream": downstream}
    flags["dry_run"] = dry_run
    request = ReproRequest(
        targets=tuple(targets or ()),
        force=force,
        single_item=single_item,
        downstream=downstream,
        dry_run=dry_run,
        jobs=jobs,
        overrides=tuple(parse_override(s) for s in set_param or ()),
        name=name,
        message=message,
        best=best,
        argv=_argv(targets or (), flags, {"jobs": jobs if jobs != 1 else None, "S": set_param}),
    )
    out = Output(json, quiet=quiet)

    def notify(_stage: str, text: str) -> None:
        out.info(text)

    outcome = do_repro(request, notify, on_member=lambda o: _member_line(out, o))
    if not isinstance(outcome, ReproOutcome):
        if json:
            out.json({"sweep": outcome.sweep, "runs": [r["id"] for r in outcome.runs]})
        for line in sweep_summary(outcome):
            out.info(line)
        return outcome.exit_code
    if json:
        out.json(_outcome_json(outcome))
        return outcome.exit_code
    _report(out, outcome, dry_run=dry_run)
    return outcome.exit_code


def _outcome_json(outcome: Any) -> JsonObject:
    record = outcome.record
    return {
        "pipeline_run": None if record is None else record["id"],
        "exit_code": outcome.exit_code,
        "stages": [r.as_dict() for r in outcome.stages],
    }


def _member_line(out: Output, outcome: Any) -> None:
    if outcome.record is not None:
        out.info("gitml: pipeline " + run_line(outcome.record))


def _report(out: Output, outcome: Any, *, dry_run: bool) -> None:
    if dry_run:
        for r in outcome.stages:
            why = f": {'; '.join(r.reasons)}" if r.reasons else ""
            restored = f" (from run {r.run})" if r.action == "would-restore" else ""
            out.line(f"{r.stage}: {r.action}{restored}{why}")
        return
    for r in outcome.stages:
        if r.action == "failed" and r.error:
            out.error(r.error)
    if outcome.record is None:
        if all(r.action in ("skipped", "frozen") for r in outcome.stages):
            out.info(UP_TO_DATE)
        return
    counts: dict[str, int] = {}
    for r in outcome.stages:
        counts[r.action] = counts.get(r.action, 0) + 1
    summary = ", ".join(f"{n} {action}" for action, n in counts.items())

    out.info(f"gitml: pipeline {run_line(outcome.record)} ({summary})")
