"""How ``git ml import ...`` reports what it imported."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gitml.cli._output import Output

if TYPE_CHECKING:
    from gitml.imports.records import ImportSummary


def print_summary(summary: ImportSummary, json: bool, *, quiet: bool = False) -> None:
    """What an import brought and skipped, as lines or JSON."""
    out = Output(json, quiet=quiet)
    for problem in summary.problems:
        out.warn(problem)
    lines = [
        f"imported {summary.runs} run{'s' if summary.runs != 1 else ''} from {summary.source}"
        f" ({summary.skipped} already here)"
    ]
    if summary.versions or summary.versions_skipped:
        lines.append(
            f"registered {summary.versions} model version(s) ({summary.versions_skipped} "
            "already here)"
        )
    if summary.stage_branch:
        lines.append(
            f"stage assignments are on branch {summary.stage_branch}: review it, merge it "
            "with --ff-only (or open a pull request), then `git ml registry apply`"
        )
    if json:
        out.json(summary.as_dict())
    else:
        for line in lines:
            out.info(line)
