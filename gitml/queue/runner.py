"""``git ml queue start``: claim queued runs and run them, ``--workers`` at a time.

The runner works in the foreground until nothing is queued and nothing it started is
still running (``nohup git ml queue start &`` keeps it going after the terminal closes).
With ``--on`` it first joins the cluster and checks its nodes, so a cluster it cannot use
stops it before anything is written. Then it releases the claims of runners on this host
whose process is gone, so a killed runner's entries are queued again. Each entry runs in a temporary worktree of
the code it pinned (its datasets restored), through ``git ml run``'s own planner: one run,
a grid or a search, here or, with ``--on``, on a Ray cluster; its output goes to
``.git/gitml/queue/logs/<entry id>.log`` (with ``--on ray`` the members' own output goes
to Ray's logs and to this terminal). A ``queue cancel`` of a running entry is seen within
a second and stops its commands as Ctrl-C would; Ctrl-C (or SIGTERM) stops the runner
the same way after recording what ran.

Only entries this clone added run unasked (``queue.origin``): an entry that arrived by
``git ml pull`` carries a command from whoever pushed it, so the runner leaves it queued
and lists it in ``pulled`` unless it was made with ``include_pulled``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from gitml.cluster.connect import connect
from gitml.data.run_io import prepare_worktree
from gitml.errors import GitmlError
from gitml.objects.pathguard import enter_folder
from gitml.queue.entries import code_of, request_of
from gitml.queue.origin import added_here
from gitml.queue.records import (
    EntryState,
    add_event,
    claim,
    event_doc,
    iter_states,
    worker_of,
)
from gitml.records import ids
from gitml.runs.dispatch import run_planned
from gitml.runs.execute import RunOutcome, open_workspace
from gitml.runs.notes import deferred_notes
from gitml.runs.record import summary_line
from gitml.runs.supervise import Supervisor
from gitml.storage.repo import GitRepo, open_repo
from gitml.storage.worktree import temporary_worktree

if TYPE_CHECKING:
    from gitml.records.shapes import WorkerTable

POLL_SECONDS = 1.0
LOGS = "queue/logs"


def log_path(repo: GitRepo, entry_id: str) -> Path:
    return repo.state_dir / LOGS / f"{entry_id}.log"


@dataclass
class Ended:
    """One entry the runner ran."""

    entry: EntryState
    status: str
    runs: list[str] = field(default_factory=list)
    exit_code: int = 0
    reason: str | None = None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def release_stale(repo: GitRepo, runner: str) -> list[str]:
    """Release entries claimed on this host by a runner whose process has ended."""
    here = worker_of(runner)
    released = []
    for state in iter_states(repo):
        worker = state.worker
        if state.state != "running" or worker is None or worker["host"] != here["host"]:
            continue
        if _alive(worker["pid"]):
            continue
        doc = event_doc(
            state.id,
            "released",
            worker=here,
            reason=f"its runner (pid {worker['pid']}) ended without finishing it",
        )
        add_event(repo, state.id, doc)
        released.append(state.id)
    return released


@contextlib.contextmanager
def _checkout(repo: GitRepo, state: EntryState) -> Iterator[Path]:
    """A temporary worktree of the entry's code, its datasets restored."""

    with temporary_worktree(repo, code_of(state.doc).checkpoint, prefix="gitml-queue-") as wt:
        prepare_worktree(wt.workdir)
        yield wt.workdir


def run_entry(
    repo: GitRepo, state: EntryState, sup: Any, *, on: str | None, log: Callable[[str], None]
) -> Ended:
    """Run one claimed entry to its end (see the module doc)."""

    request = request_of(state.doc, on=on)
    with _checkout(repo, state) as path:
        cwd = enter_folder(path, str(state.doc["cwd"]), where=f"queued run {state.id} cwd")
        ws = open_workspace(open_repo(path), cwd, request.params_files)

        def member(outcome: RunOutcome) -> None:
            log(f"gitml: {summary_line(outcome.doc)}")

        outcome = run_planned(ws, sup, request, on_member=member, base=code_of(state.doc))
    if isinstance(outcome, RunOutcome):
        member(outcome)
        doc = outcome.doc
        return Ended(
            entry=state,
            status=str(doc["status"]),
            runs=[str(doc["id"])],
            exit_code=outcome.exit_code,
        )
    runs = [str(d["id"]) for d in outcome.runs]
    if outcome.parent is not None:
        runs.append(str(outcome.parent["id"]))
    status = (
        "interrupted" if outcome.interrupted else "failed" if outcome.exit_code else "completed"
    )
    reason = "; ".join(outcome.errors) or None
    return Ended(entry=state, status=status, runs=runs, exit_code=outcome.exit_code, reason=reason)


class Runner:
    """Claims and runs entries until the queue is drained (see the module doc)."""

    def __init__(
        self,
        repo: GitRepo,
        *,
        workers: int,
        on: str | None = None,
        include_pulled: bool = False,
        on_event: Callable[[str], None] | None = None,
    ) -> None:
        self.repo = repo
        self.workers = workers
        self.on = on
        self.include_pulled = include_pulled
        self.pulled: dict[str, EntryState] = {}  # queued, not added here, so not run
        self.id = ids.new_id()
        self.say = on_event or (lambda _text: None)
        self.running: dict[str, tuple[EntryState, Any]] = {}
        self.ended: list[Ended] = []
        self.stopping = False
        self._lock = threading.Lock()

    def _signal(self, signum: int, _frame: FrameType | None) -> None:
        self.stopping = True
        with self._lock:
            for _state, sup in self.running.values():
                sup.deliver(signum)

    def _work(self, state: EntryState) -> Ended:
        path = log_path(self.repo, state.id)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("ab") as handle:
            fd = handle.fileno()
            sup = Supervisor(interactive=False, stdout=fd, stderr=fd)
            with self._lock:
                self.running[state.id] = (state, sup)

            def log(text: str) -> None:
                os.write(fd, (text + "\n").encode())

            try:
                ended = run_entry(self.repo, state, sup, on=self.on, log=log)
            except GitmlError as exc:
                log(f"gitml: error: {exc}")
                ended = Ended(state, "failed", exit_code=exc.exit_code, reason=str(exc))
            finally:
                with self._lock:
                    self.running.pop(state.id, None)
        finished = event_doc(
            state.id,
            "finished",
            worker=self._worker(),
            runs=ended.runs,
            status=ended.status,
            exit_code=ended.exit_code,
            reason=(ended.reason or "")[:2000] or None,
        )
        add_event(self.repo, state.id, finished)
        return ended

    def _worker(self) -> WorkerTable:
        found = worker_of(self.id)
        if self.on is not None:
            found["on"] = self.on
        return found

    def _next(self) -> EntryState | None:
        """Claim the oldest queued entry this runner may run; None when none is left."""
        for state in iter_states(self.repo):
            if state.state != "queued":
                continue
            if not self.include_pulled and not added_here(self.repo, state.id):
                self.pulled[state.id] = state
                continue
            if claim(self.repo, state.id, self._worker()):
                return state
        return None

    def _cancellations(self) -> None:
        """Stop running entries someone cancelled."""
        with self._lock:
            running = dict(self.running)
        if not running:
            return
        for state in iter_states(self.repo):
            if state.id in running and state.cancel_requested:
                _state, sup = running[state.id]
                if not sup.interrupted:
                    self.say(f"cancelling {state.id} {state.name}")
                    sup.deliver(signal.SIGTERM)

    def run(self) -> list[Ended]:
        """Drain the queue; returns what ran, in the order entries ended."""
        if self.on is not None:
            connect(self.on)
        for entry_id in release_stale(self.repo, self.id):
            self.say(f"released {entry_id}: its runner had ended")
        saved = {}
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                saved[sig] = signal.signal(sig, self._signal)
        try:
            with deferred_notes(self.repo):
                self._drain()
        finally:
            for sig, handler in saved.items():
                signal.signal(sig, handler)
        return self.ended

    def _drain(self) -> None:
        futures: set[Future[Ended]] = set()
        with ThreadPoolExecutor(self.workers, thread_name_prefix="gitml-queue") as pool:
            while True:
                while not self.stopping and len(futures) < self.workers:
                    state = self._next()
                    if state is None:
                        break
                    self.say(f"started {state.id} {state.name}")
                    futures.add(pool.submit(self._work, state))
                if not futures:
                    return
                time.sleep(POLL_SECONDS)
                self._cancellations()
                for future in [f for f in futures if f.done()]:
                    futures.discard(future)
                    ended = future.result()
                    self.ended.append(ended)
                    self.say(f"{ended.status} {ended.entry.id} {ended.entry.name}")
