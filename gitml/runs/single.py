"""``git ml run`` of one command: what every run does first, and the run that is not a sweep.

A request is one run unless it asks for a search, a cluster (``--on``) or several values
of a parameter; those go to ``runs.dispatch``. The command line chooses between the two,
so one run loads none of the pool, sweep or search machinery.
"""

from __future__ import annotations

from pathlib import Path

from gitml.objects.leftovers import sweep_state
from gitml.records import ids
from gitml.runs import params as params_mod
from gitml.runs.execute import (
    Member,
    RunOutcome,
    RunRequest,
    Workspace,
    execute_member,
    open_workspace,
    validate_request,
)
from gitml.runs.supervise import Supervisor
from gitml.storage.repo import GitRepo


def open_run(repo: GitRepo, request: RunRequest, cwd: Path) -> Workspace:
    """Check ``request`` and open where it runs (nothing is written yet)."""
    validate_request(request)
    sweep_state(repo.state_dir)  # temporary files and spools of killed gitml processes
    repo.prepare_writes()  # git's writers start while the command runs
    return open_workspace(repo, cwd, request.params_files)


def single_member(request: RunRequest) -> Member | None:
    """The one run ``request`` asks for; None for a search, a cluster run or a sweep."""
    if request.search is not None or request.on is not None:
        return None
    params_mod.reject_distributions(request.overrides)
    grid = params_mod.expand_grid(request.overrides)
    if len(grid) != 1:
        return None
    return Member(grid[0], request.name or ids.new_name())


def run_member(ws: Workspace, request: RunRequest, member: Member) -> RunOutcome:
    """Run and record one member here, supervised."""
    with Supervisor() as sup:
        return execute_member(ws, sup, request, member)
