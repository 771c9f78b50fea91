"""The body of ``git ml data status``."""

from __future__ import annotations

from gitml.cli._output import Output
from gitml.data.status import status as do_status
from gitml.data.workspace import open_workspace


def status(*, names: list[str] | None = None, jobs: int | None = None, json: bool = False) -> None:
    """Show files added, modified or deleted in each dataset since its pointer's version."""
    results = do_status(open_workspace(), names or (), jobs=jobs)
    out = Output(json)
    if json:
        out.json({"datasets": [r.as_dict() for r in results]})
        return
    if not results:
        out.line("no datasets; add one with `git ml data add PATH`")
        return
    for r in results:
        if r.problem is not None:
            out.line(f"{r.name} ({r.path}): unknown: {r.problem}")
            continue
        c = r.changes
        if c.clean:
            out.line(f"{r.name} ({r.path}): clean")
            continue
        counts = f"{len(c.modified)} modified, {len(c.added)} added, {len(c.deleted)} deleted"
        out.line(f"{r.name} ({r.path}): {counts}")
        for label, paths in (("modified", c.modified), ("added", c.added), ("deleted", c.deleted)):
            for path in paths:
                out.line(f"  {label + ':':<10}{path}")
