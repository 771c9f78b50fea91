"""The body of ``git ml run``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from gitml.cli import _runs_view as view
from gitml.cli._body import options_body
from gitml.cli._output import Output
from gitml.cli._run_request import RunOptions
from gitml.storage.repo import open_repo

if TYPE_CHECKING:
    from gitml.runs.sweep import SweepOutcome


@options_body(RunOptions)
def run(*, options: RunOptions, quiet: bool = False) -> int:
    """Run and record; report on stderr; return the exit code (the command's)."""
    from gitml.runs.execute import RunOutcome
    from gitml.runs.single import open_run, run_member, single_member

    request = options.request()
    out = Output(quiet=quiet)

    def report(member: RunOutcome) -> None:
        out.info("gitml: " + view.run_line(member.doc))
        if member.nested:
            out.info(
                f"gitml:   and {member.nested} nested run(s) (git ml ls --where \"parent = '{member.doc['id']}'\")"
            )
        for line in member.notes:
            out.info("gitml:   " + line)
        for problem in member.warnings:
            out.warn(problem)

    ws = open_run(open_repo(), request, Path.cwd())
    member = single_member(request)
    outcome: RunOutcome | SweepOutcome
    if member is not None:
        outcome = run_member(ws, request, member)
    else:  # a sweep, a search or a cluster run: the pool machinery
        from gitml.runs.dispatch import run_many

        outcome = run_many(ws, request, on_member=report)
    docs = [outcome.doc] if isinstance(outcome, RunOutcome) else list(outcome.runs)
    warning = view.withheld_warning(docs[0]) if docs else None
    if isinstance(outcome, RunOutcome):
        report(outcome)
        for line in view.code_lines(outcome.doc):
            out.info("gitml:   " + line)
    else:
        for line in view.sweep_summary(outcome):
            out.info(line)
    if warning is not None:
        out.info("gitml: warning: " + warning)
    return outcome.exit_code
