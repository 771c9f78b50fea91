"""Running sweep members a few at a time, here or on a cluster, and retrying the lost ones.

A pool starts members (``Job``) and reports each one once it has finished. ``drive`` keeps
the pool full from a ``PoolPlan`` (a grid, a search), hands every finished member back to the
plan, and starts a member again when the machine or worker running it died (``--retries``):
the lost attempt is recorded ``interrupted`` with what it had logged, and the new attempt
is a new run tagged ``gitml.retry_of``. The local pool runs members on threads, one at a
time in the work tree or several in temporary worktrees of one checkpoint; the Ray pool
(``gitml.cluster.pool``) runs them on a cluster.
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

from gitml.data.run_io import prepare_worktree
from gitml.errors import GitmlError
from gitml.records import ids
from gitml.runs.execute import Member, RunOutcome, RunRequest, Workspace, execute_member
from gitml.runs.live import Watch
from gitml.runs.supervise import Interrupted, Supervisor
from gitml.storage.worktree import Checkpoint, temporary_worktree

POLL_SECONDS = 0.25
RETRY_OF_TAG = "gitml.retry_of"
ATTEMPT_TAG = "gitml.attempt"
LOST_TAG = "gitml.lost"


def in_worktree(
    ws: Workspace,
    sup: Supervisor,
    request: RunRequest,
    member: Member,
    base: Checkpoint,
    *,
    watch: Watch | None = None,
) -> RunOutcome:
    """Run ``member`` in a temporary worktree of ``base`` (removed afterwards) and record it."""
    with temporary_worktree(ws.repo, base.checkpoint, prefix="gitml-sweep-") as wt_repo:
        prepare_worktree(wt_repo.workdir)
        wt = Workspace(
            repo=wt_repo,
            settings=ws.settings,
            cwd=wt_repo.workdir / ws.rel_cwd,
            params_files=ws.params_files,
        )
        return execute_member(wt, sup, request, member._replace(code_base=base), watch=watch)


@dataclass
class Job:
    """One attempt at one member; ``index`` is its place in the sweep (grid cell, trial)."""

    index: int
    member: Member
    attempt: int = 1
    watch: Watch | None = None


@dataclass(frozen=True)
class Finished:
    """A job that ended: its record, or why it could not run (nothing recorded)."""

    job: Job
    outcome: RunOutcome | None = None
    error: str | None = None
    lost: bool = False  # the worker or machine running it died (its partial record, if any)
    fatal: bool = False  # every other member would fail the same way: start no more


class Pool(Protocol):
    """Where members run."""

    @property
    def slots(self) -> int:
        """How many members may run at once."""
        ...

    def start(self, job: Job) -> None: ...

    def poll(self, timeout: float) -> list[Finished]:
        """Jobs that finished since the last call (waits up to ``timeout`` for one)."""
        ...

    def stop_all(self) -> None:
        """Ask every running member to stop (they are recorded ``interrupted``)."""
        ...

    def close(self) -> None: ...


class PoolPlan(Protocol):
    """What to run: the next job when a slot is free, and what became of each."""

    def next_job(self) -> Job | None:
        """The next job, or None when there is none to start now."""
        ...

    def done(self, finished: Finished, *, retried: bool) -> None:
        """``finished`` ended; ``retried``: a new attempt at it has been started."""
        ...


@dataclass
class Drive:
    """What ``drive`` did: each recorded member's outcome and a line per member that failed."""

    outcomes: list[tuple[int, RunOutcome]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def retry_of(job: Job, lost: RunOutcome | None) -> Job:
    """A new attempt at a lost job: a new run id, tagged with the attempt it replaces."""
    tags = {**job.member.tags, ATTEMPT_TAG: str(job.attempt + 1)}
    if lost is not None:
        tags[RETRY_OF_TAG] = str(lost.doc["id"])
    member = job.member._replace(run_id=ids.new_id() if job.member.run_id else None, tags=tags)
    return Job(index=job.index, member=member, attempt=job.attempt + 1, watch=job.watch)


def drive(
    pool: Pool,
    plan: PoolPlan,
    sup: Supervisor,
    *,
    retries: int = 0,
    on_member: Callable[[RunOutcome], None] | None = None,
    on_retry: Callable[[Job], None] | None = None,
) -> Drive:
    """Run ``plan`` on ``pool`` until it has nothing more to start and nothing runs."""
    result = Drive()
    again: list[Job] = []
    running = 0
    stopping = False
    halted = False
    while True:
        while not sup.interrupted and not halted and running < pool.slots:
            job = again.pop(0) if again else plan.next_job()
            if job is None:
                break
            pool.start(job)
            running += 1
        if running == 0:
            return result
        if sup.interrupted and not stopping:
            stopping = True
            pool.stop_all()
        for finished in pool.poll(POLL_SECONDS):
            running -= 1
            outcome = finished.outcome
            if outcome is not None:
                result.outcomes.append((finished.job.index, outcome))
                if on_member is not None:
                    on_member(outcome)
            elif finished.error is not None:
                result.errors.append(f"{finished.job.member.name}: {finished.error}")
            halted = halted or finished.fatal
            retried = finished.lost and finished.job.attempt <= retries and not sup.interrupted
            if retried:
                retry = retry_of(finished.job, outcome)
                again.append(retry)
                if on_retry is not None:
                    on_retry(retry)
            plan.done(finished, retried=retried)


class LocalPool:
    """Members on threads of this process, all with the code of ``base``: one at a time in
    the work tree (``jobs`` 1), or each in a temporary worktree of ``base``."""

    def __init__(
        self,
        ws: Workspace,
        sup: Supervisor,
        request: RunRequest,
        *,
        jobs: int,
        base: Checkpoint,
    ) -> None:
        self.ws = ws
        self.sup = sup
        self.request = request
        self.base = base
        self._slots = jobs
        self._threads = ThreadPoolExecutor(self._slots, thread_name_prefix="gitml-member")
        self._finished: queue.Queue[Finished] = queue.Queue()

    @property
    def slots(self) -> int:
        return self._slots

    def _run(self, job: Job) -> RunOutcome:
        if self._slots == 1:
            member = job.member._replace(code_base=job.member.code_base or self.base)
            return execute_member(self.ws, self.sup, self.request, member, watch=job.watch)
        return in_worktree(self.ws, self.sup, self.request, job.member, self.base, watch=job.watch)

    def start(self, job: Job) -> None:
        future = self._threads.submit(self._run, job)
        future.add_done_callback(lambda done: self._finished.put(_finished(job, done)))

    def poll(self, timeout: float) -> list[Finished]:
        found: list[Finished] = []
        try:
            found.append(self._finished.get(timeout=timeout))
            while True:
                found.append(self._finished.get_nowait())
        except queue.Empty:
            return found

    def stop_all(self) -> None:
        """Nothing to do: the supervisor passes gitml's signal on to every command."""

    def close(self) -> None:
        self._threads.shutdown(wait=True)


def _finished(job: Job, future: Future[RunOutcome]) -> Finished:
    try:
        return Finished(job, outcome=future.result())
    except Interrupted:
        return Finished(job)
    except GitmlError as exc:
        return Finished(job, error=str(exc))
