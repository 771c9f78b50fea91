"""``git ml repro -S a=1,2``: the pipeline run once per grid point.

With one job the members run one after another in the work tree, each with its params
written for its duration; stages the swept params do not reach are skipped (or restored
from the run cache) after the first member. With ``--jobs N`` each member runs in its own
temporary worktree of one checkpoint of the work tree, N at a time, its stages restored
from the shared cache where a recorded run matches. Every member is a pipeline run with
the sweep's id; the best member is picked as ``git ml run`` picks it.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitml.errors import GitmlError
from gitml.pipelines.repro import Notify, ReproOutcome, ReproRequest, run_member

if TYPE_CHECKING:
    from gitml.pipelines.project import Project
    from gitml.runs.supervise import Supervisor
    from gitml.runs.sweep import SweepOutcome
    from gitml.storage.worktree import Checkpoint

Assignment = Mapping[tuple[str | None, str], Any]
_WORKTREES = threading.Lock()


def _in_worktree(
    project: Project,
    request: ReproRequest,
    sup: Supervisor,
    notify: Notify,
    assignment: Assignment,
    *,
    sweep: str,
    name: str,
    base: Checkpoint,
) -> ReproOutcome:
    from gitml.data.run_io import prepare_worktree
    from gitml.storage.repo import open_repo
    from gitml.storage.worktree import add_worktree, remove_worktree

    repo = open_repo(project.root)
    holder = Path(tempfile.mkdtemp(prefix="gitml-repro-"))
    path = holder / f"gitml-{name}"
    try:
        with _WORKTREES:
            add_worktree(repo, path, base.checkpoint)
        prepare_worktree(path)
        return run_member(
            path,
            replace(request, jobs=1),
            sup,
            notify,
            assignment=assignment,
            sweep=sweep,
            name=name,
            code_base=base,
            always_record=True,
        )
    finally:
        with _WORKTREES:
            remove_worktree(repo, path)
        shutil.rmtree(holder, ignore_errors=True)


def run_pipeline_sweep(
    project: Project,
    request: ReproRequest,
    sup: Supervisor,
    notify: Notify,
    grid: Sequence[Assignment],
    *,
    on_member: Callable[[ReproOutcome], None] | None = None,
) -> SweepOutcome:
    """Run the pipeline once per grid point; each member is a pipeline run."""
    from gitml.records import ids
    from gitml.runs.sweep import SweepOutcome, parse_best, pick_best

    sweep_id = ids.new_id()
    base_name = request.name or ids.new_name()
    names = [f"{base_name}-{i + 1}" for i in range(len(grid))]
    outcomes: dict[int, ReproOutcome] = {}
    errors: list[str] = []

    def done(index: int, outcome: ReproOutcome) -> None:
        outcomes[index] = outcome
        if on_member is not None:
            on_member(outcome)

    if request.jobs == 1:
        for i, assignment in enumerate(grid):
            if sup.interrupted:
                break
            try:
                done(
                    i,
                    run_member(
                        project.root,
                        request,
                        sup,
                        notify,
                        assignment=assignment,
                        sweep=sweep_id,
                        name=names[i],
                        always_record=True,
                    ),
                )
            except GitmlError as exc:
                errors.append(f"{names[i]}: {exc}")
    else:
        from gitml.runs.execute import checkpoint, open_workspace
        from gitml.storage.repo import open_repo

        repo = open_repo(project.root)
        base = checkpoint(open_workspace(repo, project.root), sweep_id)
        with ThreadPoolExecutor(request.jobs, thread_name_prefix="gitml-repro") as pool:
            futures = {
                i: pool.submit(
                    _in_worktree,
                    project,
                    request,
                    sup,
                    notify,
                    assignment,
                    sweep=sweep_id,
                    name=names[i],
                    base=base,
                )
                for i, assignment in enumerate(grid)
            }
            for i, future in futures.items():
                try:
                    done(i, future.result())
                except GitmlError as exc:
                    errors.append(f"{names[i]}: {exc}")
    runs = [o.record for _, o in sorted(outcomes.items()) if o.record is not None]
    metric, goal = parse_best(request.best, runs)
    return SweepOutcome(
        sweep=sweep_id,
        runs=runs,
        errors=errors,
        best=pick_best(runs, metric, goal),
        best_metric=metric,
        best_goal=goal,
        interrupted=sup.interrupted,
    )
