"""``git ml repro``'s entry: check the request, then one pipeline run or a sweep of them.

It sits above ``repro`` (one pipeline run) and ``sweep`` (a grid of them, in worktrees
with ``--jobs``), so neither imports the other's caller.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

from gitml.errors import UsageError
from gitml.pipelines.member import Notify
from gitml.pipelines.project import open_project
from gitml.pipelines.repro import (
    ReproOutcome,
    ReproRequest,
    exclusive_repro,
    plan_order,
    run_member,
)
from gitml.pipelines.sweep import run_pipeline_sweep
from gitml.runs import params as params_mod
from gitml.runs.notes import deferred_notes
from gitml.runs.supervise import Supervisor

if TYPE_CHECKING:
    from gitml.runs.sweep import SweepOutcome


def repro(
    request: ReproRequest,
    notify: Notify,
    *,
    start: Path | None = None,
    on_member: Callable[[ReproOutcome], None] | None = None,
) -> ReproOutcome | SweepOutcome:
    """Run ``git ml repro`` in the work tree containing ``start``."""
    if request.jobs < 1:
        raise UsageError(f"--jobs {request.jobs}: must be at least 1")
    if request.single_item and request.downstream:
        raise UsageError("--single-item and --downstream cannot be used together")
    project = open_project(start)
    plan_order(project, request)  # unknown targets fail before anything runs
    grid = params_mod.expand_grid(request.overrides)
    guard = nullcontext() if request.dry_run else exclusive_repro(project)
    notes = nullcontext() if request.dry_run else deferred_notes(project.ws.repo)
    with guard, notes, Supervisor() as sup:
        if len(grid) == 1:
            return run_member(
                project.root,
                request,
                sup,
                notify,
                assignment=grid[0],
                name=request.name,
                project=project,
            )
        if request.dry_run:
            raise UsageError("--dry-run shows one pipeline run; give each -S one value")
        return run_pipeline_sweep(project, request, sup, notify, grid, on_member=on_member)
