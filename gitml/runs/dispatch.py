"""Sweeps and searches on a pool: here on threads, or on a cluster (``--on ray``).

Order of work, so nothing is half-recorded: connect to the cluster and check its nodes
(an unreachable address or a node without git or gitml stops here, before anything is
written) -> checkpoint the work tree once -> keep the pool full from the plan (the grid,
or the search's trials) -> record each member as it ends, in this process -> for a
search, record the parent run that holds the study, last.
"""

from __future__ import annotations

import platform
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from gitml.cluster.connect import connect
from gitml.cluster.pool import RayPool
from gitml.errors import GitmlError
from gitml.records import ids
from gitml.runs import params as params_mod
from gitml.runs.env import Environment
from gitml.runs.execute import (
    Member,
    RunOutcome,
    RunRequest,
    Workspace,
    checkpoint,
    identity,
    now,
    store,
)
from gitml.runs.notes import deferred_notes
from gitml.runs.pool import Drive, Finished, Job, LocalPool, Pool, drive
from gitml.runs.record import RunFacts, Status, build_record
from gitml.runs.redact import redact_command, redact_params, redact_text
from gitml.runs.study import DIRECTIONS, SEARCH_KINDS, Study, parent_facts
from gitml.runs.supervise import Interrupted, Supervisor
from gitml.runs.sweep import SweepOutcome, outcome_of, parse_best, run_sweep
from gitml.search.optuna_search import OptunaSearch
from gitml.search.plan import SearchPlan
from gitml.search.samplers import RandomSearch, Search
from gitml.search.space import describe_space, parse_space

if TYPE_CHECKING:
    from gitml.records.shapes import EnvTable, RunRecord
    from gitml.storage.worktree import Checkpoint


@dataclass
class GridPlan:
    """Every member of a grid, in order."""

    members: list[Member]
    _started: int = field(default=0)

    def next_job(self) -> Job | None:
        if self._started >= len(self.members):
            return None
        self._started += 1
        return Job(self._started - 1, self.members[self._started - 1])

    def done(self, finished: Finished, *, retried: bool) -> None:
        return None


def search_plan(request: RunRequest, sweep: str, name: str) -> SearchPlan:
    """The plan of ``--search``: its space from ``-S``, its sampler, its objective."""
    options = request.search
    assert options is not None
    space = parse_space(request.overrides)
    objective, direction = objective_of(request)
    search: Search
    if options.kind == "optuna":
        assert objective is not None
        search = OptunaSearch(
            space,
            objective=objective,
            direction=direction,
            sampler=options.sampler,
            pruner=options.pruner,
            seed=options.seed,
        )
    else:
        search = RandomSearch(space, seed=options.seed)
    return SearchPlan(
        search=search, trials=options.trials, objective=objective or "", sweep=sweep, name=name
    )


def objective_of(request: RunRequest) -> tuple[str | None, str]:
    """(metric name, "max"|"min") a search optimises (``--objective``, ``--direction``)."""
    options = request.search
    assert options is not None
    text = options.objective or request.best
    if text is None:
        return None, options.direction or "max"
    name, goal = parse_best(text.removeprefix("metrics."), [])
    return name, options.direction or goal


def make_pool(ws: Workspace, sup: Supervisor, request: RunRequest, base: Checkpoint) -> Pool:
    """Members here (in the work tree one by one, or ``--jobs`` worktrees) or on a cluster."""
    if request.on is None:
        return LocalPool(ws, sup, request, jobs=request.jobs, base=base)

    return RayPool(ws, request, base)


def _check_cluster(request: RunRequest) -> None:
    """Connect to the cluster named by ``--on`` and check its nodes (nothing written yet)."""
    if request.on is not None:
        connect(request.on)


def run_planned(
    ws: Workspace,
    sup: Supervisor,
    request: RunRequest,
    *,
    on_member: Callable[[RunOutcome], None] | None = None,
    base: Checkpoint | None = None,
) -> RunOutcome | SweepOutcome:
    """Run a sweep, a search or one run on a pool (see the module doc); ``base``: the code
    to run (default: the work tree as it is now)."""
    _check_cluster(request)
    sweep = ids.new_id()
    name = request.name or ids.new_name()
    plan: GridPlan | SearchPlan
    single = False
    if request.search is not None:
        plan = search_plan(request, sweep, name)
    else:
        params_mod.reject_distributions(request.overrides)
        grid = params_mod.expand_grid(request.overrides)
        single = len(grid) == 1
        members = [Member(a, f"{name}-{i + 1}", sweep) for i, a in enumerate(grid)]
        if single:
            members = [Member(grid[0], name)]
        plan = GridPlan(members)
    started = now()
    base = base or checkpoint(ws, sweep)
    pool = make_pool(ws, sup, request, base)
    try:
        report = None if single else on_member
        result = drive(pool, plan, sup, retries=request.retries, on_member=report)
    finally:
        pool.close()
    if single:
        for _index, lost in result.outcomes[:-1]:  # attempts lost with their node
            if on_member is not None:
                on_member(lost)
        return single_outcome(result)
    runs = [o.doc for _, o in sorted(result.outcomes, key=lambda pair: pair[0])]
    parent = None
    best = request.best
    if request.search is not None:
        assert isinstance(plan, SearchPlan)
        objective, direction = objective_of(request)
        if objective is not None:
            best = f"{direction}:{objective}"
        parent = record_study(
            ws, request, plan, code=base, started=started, interrupted=sup.interrupted
        )
    outcome = outcome_of(sweep, runs, result.errors, best=best, interrupted=sup.interrupted)
    if parent is not None:
        outcome = replace(outcome, parent=parent)
    return outcome


def single_outcome(result: Drive) -> RunOutcome:
    """The one run of a plan that had one member (its last attempt)."""
    if result.outcomes:
        return result.outcomes[-1][1]
    if result.errors:
        raise GitmlError(result.errors[-1].partition(": ")[2] or result.errors[-1])

    raise Interrupted("interrupted before the command started; nothing was run")


def record_study(
    ws: Workspace,
    request: RunRequest,
    plan: SearchPlan,
    *,
    code: Checkpoint,
    started: datetime,
    interrupted: bool,
) -> RunRecord:
    """Write the search's parent run (the study, its best trial) and return its record."""
    from gitml.runs.store import find_run

    options = request.search
    assert options is not None
    objective, direction = objective_of(request)
    study = Study(
        search=SEARCH_KINDS[options.kind],
        objective=objective or "",
        direction=DIRECTIONS[direction],
        trials=options.trials,
        space=describe_space(parse_space(request.overrides)),
        settings=plan.search.settings(),
        results=tuple(plan.results),
    )
    runs = {r.run: r for r in plan.results}
    best = study.best()
    env: EnvTable = {}
    for run_id in ([best.run] if best else []) + list(runs):  # the trials' environment
        trial = find_run(ws.repo, run_id)
        if trial is not None:
            env = trial["env"].copy()
            break
    parent = RunFacts(
        id=plan.sweep,
        name=plan.name,
        status=Status.COMPLETED,  # parent_facts judges it from the trials
        started=started,
        ended=now(),
        exit_code=0,
        command=redact_command(request.command, ws.cwd),
        cwd=ws.rel_cwd,
        user=identity(ws.repo),
        host=platform.node(),
        code=code,
        env=env,
        params=redact_params(dict(request.params), by_key=True),
        tags=redact_params(dict(request.tags), by_key=True),
        message=redact_text(request.message) if request.message else None,
    )
    facts = parent_facts(parent, study, interrupted=interrupted)
    doc = build_record(facts)
    return store(ws.repo, ws.settings, doc, events=facts.events, environment=Environment({}))


def run_many(
    ws: Workspace,
    request: RunRequest,
    *,
    on_member: Callable[[RunOutcome], None] | None = None,
) -> RunOutcome | SweepOutcome:
    """Execute a request that is not one plain run (``runs.single.single_member`` is None):
    a search or a cluster run on a pool, or a sweep over ``-S`` values.

    Returns a SweepOutcome, or a RunOutcome for a one-member run on a pool.
    """
    if request.search is not None or request.on is not None:
        with Supervisor() as sup, deferred_notes(ws.repo):
            return run_planned(ws, sup, request, on_member=on_member)
    params_mod.reject_distributions(request.overrides)
    grid = params_mod.expand_grid(request.overrides)
    with Supervisor() as sup, deferred_notes(ws.repo):
        return run_sweep(ws, sup, request, grid, on_member=on_member)
