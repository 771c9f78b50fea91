"""The body of ``git ml lineage``."""

from __future__ import annotations

from gitml.cli._output import Output
from gitml.lineage import trace, tree_lines
from gitml.storage.repo import open_repo


def lineage(*, target: str, direction: str = "both", json: bool = False) -> None:
    """Walk the lineage graph: runs linked by the digests they read and wrote."""
    found = trace(open_repo(), target, direction=direction)
    out = Output(json)
    if json:
        out.json(found.as_dict())
        return
    for line in tree_lines(found):
        out.line(line)
