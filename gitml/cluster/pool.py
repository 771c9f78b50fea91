"""Members on a Ray cluster, recorded by the driver (this process) as they end.

Each member is a streaming Ray task (``gitml.cluster.worker.run_member``) planned here:
its run id, its code (the sweep's checkpoint with its ``-S`` params files, committed here so
the record names commits this repository holds), who runs it and its recorded inputs. The
pool follows every task's messages: the pruner hears the step metrics, the output objects
go into this clone's cache, and the finished facts become the record, written here, so
records are written by one process and never depend on concurrent pushes. One writer
thread writes them, one at a time in the order members end, while the pool goes on
following and starting members: a member's slot on the cluster is free as soon as its
task has ended, and ``close`` waits for every record to be written.

A task that dies with its worker or node (Ray reports the worker crashed, the node died,
the object was lost) is recorded ``interrupted`` from what it had reported (start facts
and metrics so far) with the tag ``gitml.lost``, and ``drive`` starts it again under
``--retries``. Ray's own task retries are off, so every attempt is recorded once.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent import futures
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from gitml.cluster.connect import import_ray
from gitml.cluster.shipment import Shipment, build_shipment, input_files
from gitml.cluster.worker import Control, Task, run_member
from gitml.errors import GitmlError
from gitml.objects.blobs import put_bytes
from gitml.objects.cache import open_cache
from gitml.records import ids
from gitml.runs import params as params_mod
from gitml.runs.code import with_overrides
from gitml.runs.execute import (
    Performed,
    RunRequest,
    Workspace,
    identity,
    input_digests,
    now,
    record_member,
)
from gitml.runs.interpreter import can_import, find_interpreter
from gitml.runs.metrics import MetricEvent, merge_events
from gitml.runs.pool import LOST_TAG, Finished, Job
from gitml.runs.record import Status
from gitml.storage.worktree import Checkpoint

Planner = Callable[[Job], Task]
WRITE_POLL = 0.05  # how long a poll waits on the cluster while records are being written


@dataclass
class _Running:
    """What the driver knows of a running member."""

    job: Job
    begun: Performed | None = None
    events: list[MetricEvent] = field(default_factory=list)
    missing: tuple[str, str] | None = None  # (module, node) the command lacked there


class SweepPlanner:
    """Plans sweep and search members: every member runs at one checkpoint, ``base``."""

    def __init__(self, ws: Workspace, request: RunRequest, base: Checkpoint, control: str) -> None:
        self.ws = ws
        self.request = request
        self.base = base
        self.control = control
        self.user = identity(ws.repo)
        self.inputs = input_digests(ws, request.inputs)
        files, outside = input_files(ws.repo, base.checkpoint, self.inputs)
        self.files = files
        self.outside = tuple(outside)

    def shipment(self) -> Shipment:
        return build_shipment(self.ws.repo, [self.base.checkpoint], self.files)

    def __call__(self, job: Job) -> Task:
        member = job.member
        if member.code is None or not member.code_has_overrides:
            run_id = member.run_id or ids.new_id()
            texts = params_mod.plan_overrides(self.ws.cwd, self.ws.params_files, member.assignment)
            code = with_overrides(
                self.ws.repo, self.base, cwd=self.ws.cwd, new_texts=texts, run_id=run_id
            )
            member = member._replace(
                run_id=run_id,
                code=code,
                code_has_overrides=True,
                user=self.user,
                inputs=self.inputs,
            )
            job.member = member
        elif member.run_id is None:
            member = member._replace(run_id=ids.new_id())
            job.member = member
        return Task(
            member=member._replace(judge=None, finish=None),
            request=self.request,
            commit=self.base.checkpoint,
            cwd=self.ws.rel_cwd,
            params_files=self.request.params_files,
            files=self.files,
            outside=self.outside,
            control=self.control,
        )


class RayPool:
    """Runs planned members as Ray tasks; the records are written here."""

    def __init__(
        self,
        ws: Workspace,
        request: RunRequest,
        base: Checkpoint | None = None,
        *,
        planner: Callable[[str], tuple[Planner, Shipment]] | None = None,
    ) -> None:
        ray = import_ray()
        self.ray = ray
        self.ws = ws
        self.request = request
        self.control_name = f"gitml-control-{ids.new_id()}"
        self._control: Any = None
        if planner is None:
            assert base is not None
            sweep = SweepPlanner(ws, request, base, self.control_name)
            self.plan: Planner = sweep
            shipment = sweep.shipment()
        else:
            self.plan, shipment = planner(self.control_name)
        self.shipment = ray.put(shipment)
        options: dict[str, Any] = {"num_cpus": request.cpus, "max_retries": 0}
        if request.gpus:
            options["num_gpus"] = request.gpus
        self.task = ray.remote(run_member).options(**options)
        self.running: dict[Any, _Running] = {}
        cpus = float(ray.cluster_resources().get("CPU", 1))
        capacity = int(cpus // request.cpus) if request.cpus > 0 else 64
        self._slots = max(1, min(capacity, request.jobs) if request.jobs > 1 else capacity)
        self._importable: dict[str, bool] = {}
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="gitml-record")
        self._writing: list[Future[Finished]] = []

    @property
    def slots(self) -> int:
        """Members on the cluster at once, plus those whose records are being written."""
        return self._slots + len(self._writing)

    def start(self, job: Job) -> None:
        task = self.plan(job)
        generator = self.task.remote(self.shipment, task)
        self.running[generator] = _Running(job)

    def poll(self, timeout: float) -> list[Finished]:
        found = self._written()
        if self.running:
            wait = 0.0 if found else min(timeout, WRITE_POLL) if self._writing else timeout
            ready, _ = self.ray.wait(list(self.running), num_returns=1, timeout=wait)
            for generator in ready:
                ended = self._step(generator)
                if ended is None:
                    continue
                del self.running[generator]
                if isinstance(ended, Finished):
                    found.append(ended)
                else:
                    self._writing.append(ended)
        elif self._writing and not found:
            futures.wait(self._writing, timeout=timeout, return_when=futures.FIRST_COMPLETED)
        return found + self._written()

    def _written(self) -> list[Finished]:
        """Members whose records have been written since the last call (a write that
        failed raises here, as it would have where the member ended)."""
        done = [f for f in self._writing if f.done()]
        self._writing = [f for f in self._writing if not f.done()]
        return [f.result() for f in done]

    def _write(
        self, job: Job, performed: Performed, objects: dict[str, bytes], *, lost: bool
    ) -> Finished:
        """Store a member's output objects and its record (on the writer thread)."""
        store_objects(self.ws, objects)
        outcome = record_member(self.ws.repo, self.ws.settings, job.member, performed)
        return Finished(job, outcome=outcome, lost=lost)

    def _step(self, generator: Any) -> Finished | Future[Finished] | None:
        """Take one message of a member: None while it runs; once it has ended, its
        Finished, or the Future of its record being written."""
        ray = self.ray
        state = self.running[generator]
        try:
            message = ray.get(next(generator))
        except StopIteration:
            return self._lost(state, "its task ended without a result")
        except ray.exceptions.TaskCancelledError:
            return self._lost(state, "its task was cancelled")
        except ray.exceptions.RayTaskError as exc:
            return Finished(state.job, error=f"failed on the cluster: {_cause(exc)}")
        except ray.exceptions.NodeDiedError:
            return self._lost(state, "its Ray node died")
        except ray.exceptions.WorkerCrashedError:
            return self._lost(state, "its Ray worker died")
        except ray.exceptions.RayError as exc:
            return self._lost(state, _cause(exc))
        kind = message[0]
        if kind == "begun":
            state.begun = message[1]
        elif kind == "metrics":
            events = [MetricEvent(*m) for m in message[1]]
            state.events.extend(events)
            watch = state.job.watch
            if watch is not None and watch.metrics(events):
                self.control().stop.remote(state.job.member.run_id)
        elif kind == "missing":
            if self._local_import(message[1]):
                state.missing = (message[1], message[2])
        elif kind == "error":
            return Finished(state.job, error=str(message[1]))
        elif kind == "done":
            return self._done(state, message[1], message[2])
        return None

    def _done(
        self, state: _Running, performed: Performed, objects: dict[str, bytes]
    ) -> Finished | Future[Finished]:
        if state.missing is not None:
            module, node = state.missing
            return Finished(
                state.job,
                error=f"Ray node {node} cannot import '{module}', which the command needs and "
                "this machine's Python has; install it on every node (nothing was recorded)",
                fatal=True,
            )
        return self._writer.submit(self._write, state.job, performed, objects, lost=False)

    def _lost(self, state: _Running, reason: str) -> Finished | Future[Finished]:
        """A member whose worker or node died: its partial record, if it had begun."""
        if state.begun is None:
            return Finished(state.job, error=f"lost before it started ({reason})", lost=True)
        facts = state.begun.facts
        facts = facts._replace(
            status=Status.INTERRUPTED,
            ended=now(),
            events=merge_events(state.events),
            tags={**facts.tags, LOST_TAG: reason[:200]},
        )
        partial = state.begun._replace(facts=facts)
        return self._writer.submit(self._write, state.job, partial, {}, lost=True)

    def _local_import(self, module: str) -> bool:
        """Whether the command's Python here has ``module`` (so the node lacks it)."""
        if module not in self._importable:
            found = find_interpreter(
                self.request.command, self.ws.cwd, os.environ, self.ws.repo.state_dir
            )
            self._importable[module] = can_import(found, module, os.environ)
        return self._importable[module]

    def control(self) -> Any:
        """The Control actor, made on first use (see ``Control``)."""
        if self._control is None:
            actor = self.ray.remote(num_cpus=0)(Control)
            self._control = actor.options(name=self.control_name).remote()
        return self._control

    def stop_all(self) -> None:
        self.control().stop_all.remote()

    def close(self) -> None:
        for generator in list(self.running):
            self.ray.cancel(generator, force=True)
        self.running.clear()
        self._writer.shutdown(wait=True)  # every member that ended is recorded
        if self._control is not None:
            self.ray.kill(self._control)


def store_objects(ws: Workspace, objects: dict[str, bytes]) -> None:
    """Put output objects a node sent into this clone's cache, each verified by digest."""
    if not objects:
        return

    cache = open_cache(ws.repo.state_dir)
    for digest, data in objects.items():
        if str(put_bytes(cache, data)) != digest:
            raise GitmlError(f"an output object sent as {digest} does not match its digest")


def _cause(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return (lines[-1] if lines else type(exc).__name__)[:300]
