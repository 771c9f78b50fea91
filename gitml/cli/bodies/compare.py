"""The body of ``git ml compare``."""

from __future__ import annotations

from collections.abc import Sequence

from gitml.cli import _runs_view as view
from gitml.cli._output import Output
from gitml.runs.compare import compare_runs
from gitml.storage.repo import open_repo


def compare(*, runs: Sequence[str], all_params: bool = False, json: bool = False) -> None:
    """Compare runs side by side: params that differ, metrics with deltas, data, code."""
    comparison = compare_runs(open_repo(), runs)
    out = Output(json)
    if json:
        out.json(comparison.as_dict())
        return
    for line in view.compare_lines(comparison, all_params=all_params):
        out.line(line)
