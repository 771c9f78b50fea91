"""``git ml repro -S a=1,2``: the pipeline run once per grid point.

With one job the members run one after another in the work tree, each with its params
written for its duration; stages the swept params do not reach are skipped (or restored
from the run cache) after the first member. With ``--jobs N`` each member runs in its own
temporary worktree of one checkpoint of the work tree, N at a time, its stages restored
from the shared cache where a recorded run matches. Every member is a pipeline run with
the sweep's id; the best member is picked as ``git ml run`` picks it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any

from gitml.data.run_io import prepare_worktree
from gitml.pipelines.member import Notify
from gitml.pipelines.repro import ReproOutcome, ReproRequest, run_member
from gitml.runs.execute import checkpoint, open_workspace
from gitml.runs.sweep import gather, new_sweep, outcome_of
from gitml.storage.repo import open_repo
from gitml.storage.worktree import temporary_worktree

if TYPE_CHECKING:
    from gitml.pipelines.project import Project
    from gitml.runs.supervise import Supervisor
    from gitml.runs.sweep import SweepOutcome
    from gitml.storage.worktree import Checkpoint

Assignment = Mapping[tuple[str | None, str], Any]


def _in_worktree(
    project: Project,
    member: Callable[..., ReproOutcome],
    *,
    assignment: Assignment,
    name: str,
    base: Checkpoint,
) -> ReproOutcome:
    """``member`` run in a temporary worktree of ``base`` (one stage at a time)."""

    with temporary_worktree(open_repo(project.root), base.checkpoint, prefix="gitml-repro-") as wt:
        prepare_worktree(wt.workdir)
        return member(
            wt.workdir, assignment=assignment, name=name, code_base=base, always_record=True
        )


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

    sweep_id, names = new_sweep(request.name, len(grid))
    calls: list[Callable[[], ReproOutcome]]
    if request.jobs == 1:
        member = partial(run_member, request=request, sup=sup, notify=notify, sweep=sweep_id)
        calls = [
            partial(member, project.root, assignment=a, name=n, always_record=True)
            for a, n in zip(grid, names, strict=True)
        ]
    else:
        repo = open_repo(project.root)
        base = checkpoint(open_workspace(repo, project.root), sweep_id)
        one_stage_at_a_time = replace(request, jobs=1)
        member = partial(
            run_member, request=one_stage_at_a_time, sup=sup, notify=notify, sweep=sweep_id
        )
        calls = [
            partial(_in_worktree, project, member, assignment=a, name=n, base=base)
            for a, n in zip(grid, names, strict=True)
        ]
    outcomes, errors = gather(calls, names, jobs=request.jobs, sup=sup, on_done=on_member)
    runs = [o.record for _, o in sorted(outcomes.items()) if o.record is not None]
    return outcome_of(sweep_id, runs, errors, best=request.best, interrupted=sup.interrupted)
