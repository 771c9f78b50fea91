"""The body of ``git ml data diff``."""

from __future__ import annotations

from gitml.cli._output import Output
from gitml.cli.bodies.data_common import file_count
from gitml.data.diff import data_diff
from gitml.data.workspace import open_workspace
from gitml.errors import UsageError
from gitml.units import format_bytes


def diff(*, revs: list[str] | None = None, json: bool = False) -> None:
    """List data files added, deleted and modified between two commits (with sizes)."""
    given = revs or []
    if len(given) > 2:
        raise UsageError("data diff takes at most two revisions: OLD [NEW]")
    result = data_diff(open_workspace(), *given)
    out = Output(json)
    if json:
        out.json(result.as_dict())
        return
    if not result.changes:
        out.line(f"no data changes between {result.old} and {result.new}")
        return
    width = max(len(c.path) for c in result.changes)
    for c in result.changes:
        if c.status == "modified":
            assert c.old is not None
            assert c.new is not None
            sizes = f"{format_bytes(c.old.size)} -> {format_bytes(c.new.size)}"
        elif c.status == "added":
            assert c.new is not None
            sizes = format_bytes(c.new.size)
        else:
            assert c.old is not None
            sizes = format_bytes(c.old.size)
        out.line(f"{c.status:<9} {c.path:<{width}}  {sizes}")
    counts = result.counts()
    out.line(
        f"{file_count(len(result.changes))} changed between {result.old} and {result.new}: "
        f"{counts['added']} added, {counts['deleted']} deleted, {counts['modified']} modified"
    )
