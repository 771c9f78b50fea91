"""The body of ``git ml status``."""

from __future__ import annotations

from collections.abc import Sequence

from gitml.cli._output import Output
from gitml.pipelines.project import open_project
from gitml.pipelines.status import pipeline_status

UP_TO_DATE = "Data and pipelines are up to date."


def status(*, targets: Sequence[str] | None = None, json: bool = False) -> None:
    """Which stages are stale and why (DVC's decisions), in execution order."""
    rows = pipeline_status(open_project(), tuple(targets or ()))
    out = Output(json)
    if json:
        out.json(
            {
                "stages": [r.as_dict() for r in rows],
                "stale": [r.stage for r in rows if r.state == "stale"],
            }
        )
        return
    shown = [r for r in rows if r.state in ("stale", "pending")]
    if not shown:
        out.line(UP_TO_DATE)
        return
    for row in shown:
        if row.state == "stale":
            out.line(f"{row.stage}: stale")
            for change in row.changes:
                out.line(f"    {change.text()}")
        else:
            out.line(f"{row.stage}: will run if {', '.join(row.after)} change its dependencies")
