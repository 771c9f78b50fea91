"""What runs on a node: one member, from the shipped checkpoint to its finished facts.

A Ray task (a streaming generator) takes the shipment and one ``Task``: it stores the
shipped pack in the node's repository (once per node), checks the checkpoint out in its
worker process's own worktree (``gitml.cluster.trees``), puts the member's input files
back (sent by the driver, else pulled from the data remote), and runs the member with
``git ml run``'s own executor and supervisor (signals, spool, outputs to the node's
cache). While it runs, the task yields ``begun``
(the facts known at the start) and ``metrics`` (what the command logs), so a member lost
with its node still has a record; at the end it pushes the outputs to the data remote,
and yields ``done`` with the facts and the output objects. The driver writes the record.
It never writes a record or touches a gitml ref itself.

Messages: ``("begun", Performed)``, ``("metrics", [(name, step, value), ...])``,
``("missing", module, node)`` (the command could not import it), ``("done", Performed,
{digest: bytes})`` and ``("error", text)`` (nothing ran, or it cannot be recorded).
"""

from __future__ import annotations

import contextlib
import queue
import re
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitml.cluster.connect import import_ray
from gitml.cluster.shipment import SHIP_LIMIT, RemoteSpec, Shipment
from gitml.cluster.trees import member_tree
from gitml.errors import GitmlError
from gitml.objects import pathguard
from gitml.objects.blobs import output_objects as objects_of
from gitml.objects.blobs import put_bytes
from gitml.objects.cache import open_cache
from gitml.objects.digest import parse_digest
from gitml.objects.pathguard import enter_folder
from gitml.objects.remotes import open_remote
from gitml.objects.transfer import pull, push
from gitml.runs.execute import Member, Performed, RunRequest, open_workspace, perform_member
from gitml.runs.live import Watch
from gitml.runs.metrics import MetricEvent
from gitml.runs.supervise import Supervisor
from gitml.storage.repo import STATE_DIR, open_repo
from gitml.storage.ship import node_repo, receive_pack

NODE_DIR = "gitml-ray"
CONTROL_SECONDS = 0.5
STDERR_TAIL = 16384
_MISSING = re.compile(r"ModuleNotFoundError: No module named '([^']+)'")


@dataclass(frozen=True)
class Task:
    """One member as the driver planned it (ids, code and inputs already decided)."""

    member: Member
    request: RunRequest
    commit: str  # the checkpoint to check out
    cwd: str  # where the command runs, relative to the work tree
    params_files: tuple[str, ...]  # extra params files (``--params-file``)
    files: Mapping[str, str]  # input files to put back: path -> content digest
    outside: tuple[str, ...] = ()  # inputs outside the repository: must be on the node
    control: str | None = None  # the name of the Control actor, asked whether to stop


class Control:
    """A Ray actor the driver tells which members to stop (pruned, cancelled, Ctrl-C).

    The driver makes it, under the name each task carries, only once it first has a
    member to stop: until then no process is started for it, and a member that finds no
    actor of that name has not been asked to stop.
    """

    def __init__(self) -> None:
        self.stopped: set[str] = set()
        self.everything = False

    def stop(self, run_id: str) -> None:
        self.stopped.add(run_id)

    def stop_all(self) -> None:
        self.everything = True

    def should_stop(self, run_id: str) -> bool:
        return self.everything or run_id in self.stopped


class Relay(Watch):
    """Queues what the member reports for the task to yield; stops it when told."""

    def __init__(self) -> None:
        self.messages: queue.Queue[tuple[Any, ...] | None] = queue.Queue()
        self.stop = False

    def begun(self, performed: Performed) -> None:
        self.messages.put(("begun", performed))

    def metrics(self, events: Sequence[MetricEvent]) -> bool:
        self.messages.put(("metrics", [(e.name, e.step, e.value) for e in events]))
        return False

    def stop_requested(self) -> bool:
        return self.stop


def node_root() -> Path:
    """The node's repository of shipped checkpoints (and its data cache)."""
    return Path(tempfile.gettempdir()) / NODE_DIR / "node.git"


def place_inputs(root: Path, files: Mapping[str, str], shipment: Shipment, state_dir: Path) -> None:
    """Write each input file under ``root`` from the node's cache (filled from the
    shipment, then from the data remote), verified by digest, through the data plane's
    path guard: ``root`` holds a checkpoint someone else may have written, so a folder on
    the way that is a link stops the member before anything is fetched or written."""
    if not files:
        return

    where = "input"
    pathguard.check_writes(root, files, where=where)
    cache = open_cache(state_dir, durable=False)
    for digest in set(files.values()) - {d for d in files.values() if cache.has(d)}:
        data = shipment.objects.get(digest)
        if data is not None and str(put_bytes(cache, data)) != digest:
            raise GitmlError(f"the shipped object {digest} does not match its digest")
    need = {d for d in files.values() if not cache.has(d)}
    if need:
        pull_from(shipment.remote, cache, need)
    with pathguard.TreeWriter(root, where=where) as writer:
        for rel, digest in sorted(files.items()):
            writer.materialize(cache, digest, rel)


def _open(spec: RemoteSpec) -> Any:
    return open_remote(spec.url, **dict(spec.options))


def pull_from(spec: RemoteSpec | None, cache: Any, need: set[str]) -> None:
    first = sorted(need)[0]
    if spec is None:
        raise GitmlError(f"input object {first} was not sent and there is no data remote")
    report = pull(cache, _open(spec), need)
    if report.failed or report.missing:
        problem = next(iter(report.failed.values()), f"{first} is not on the data remote")
        raise GitmlError(f"cannot pull inputs from the data remote {spec.url}: {problem}")


def output_objects(
    performed: Performed, state_dir: Path, remote: RemoteSpec | None
) -> tuple[dict[str, bytes], list[str]]:
    """(output objects for the driver's cache, warnings): pushed to the data remote first."""
    outputs = performed.facts.outputs
    if not outputs:
        return {}, []

    cache = open_cache(state_dir, durable=False)
    digests: set[str] = set()
    for text in outputs.values():
        digests |= {str(d) for d in objects_of(cache, parse_digest(text))}
    problems: list[str] = []
    pushed = False
    if remote is not None:
        try:
            report = push(cache, _open(remote), digests)
            pushed = not report.failed and not report.missing
        except GitmlError as exc:
            problems.append(f"outputs not pushed to the data remote: {exc}")
        if not pushed and not problems:
            problems.append(f"outputs not pushed to the data remote {remote.url}")
    objects: dict[str, bytes] = {}
    total = 0
    for digest in sorted(digests):
        size = cache.size_of(digest)
        if pushed and total + size > SHIP_LIMIT:
            continue
        objects[digest] = cache.path_of(digest).read_bytes()
        total += size
    return objects, problems


def missing_module(stderr: str) -> str | None:
    """The module a Python command could not import, from its last error output."""
    found = _MISSING.findall(stderr)
    return found[-1] if found else None


def _should_stop(task: Task, run_id: str) -> bool:
    if task.control is None:
        return False
    import ray

    try:
        control = ray.get_actor(task.control)
    except ValueError:  # not made: nothing has been asked to stop
        return False
    try:
        return bool(ray.get(control.should_stop.remote(run_id), timeout=5))
    except ray.exceptions.RayError:
        return False


def _perform(task: Task, root: Path, relay: Relay, box: dict[str, Any]) -> None:
    """Run the member (a thread of the task); leaves ``performed`` or ``error`` in ``box``."""

    try:
        cwd = enter_folder(root, task.cwd, where=f"run {task.member.name} cwd")
        ws = open_workspace(open_repo(root), cwd, task.params_files)
        sup = Supervisor(interactive=False, stderr_tail=STDERR_TAIL, die_with_parent=True)
        box["performed"] = perform_member(ws, sup, task.request, task.member, watch=relay)
        box["stderr"] = "".join(sup.stderr_tails)
    except GitmlError as exc:
        box["error"] = str(exc)
    finally:
        relay.messages.put(None)


def run_member(shipment: Shipment, task: Task) -> Iterator[tuple[Any, ...]]:
    """The Ray task: run one member on this node (see the module doc)."""

    run_id = task.member.run_id or ""
    for outside in task.outside:
        if not Path(outside).exists():
            yield ("error", f"input {outside} is not on this node ({_host()})")
            return
    with contextlib.ExitStack() as stack:
        try:
            node = node_repo(node_root())
            receive_pack(node, shipment.pack, shipment.commits)
            path = stack.enter_context(member_tree(node, task.commit))
            place_inputs(path, task.files, shipment, node.commondir / STATE_DIR)
        except GitmlError as exc:
            yield ("error", f"node {_host()}: {exc}")
            return
        relay = Relay()
        box: dict[str, Any] = {}
        thread = threading.Thread(target=_perform, args=(task, path, relay, box), daemon=True)
        thread.start()
        checked = time.monotonic()
        while True:
            try:
                message = relay.messages.get(timeout=CONTROL_SECONDS)
            except queue.Empty:
                message = ()
            if message is None:
                break
            if message:
                yield message
            if time.monotonic() - checked >= CONTROL_SECONDS:
                checked = time.monotonic()
                relay.stop = relay.stop or _should_stop(task, run_id)
        thread.join()
        if "error" in box:
            yield ("error", str(box["error"]))
            return
        performed: Performed = box["performed"]
        module = missing_module(str(box.get("stderr", "")))
        if module is not None and performed.facts.exit_code != 0:
            yield ("missing", module, _host())
        try:
            objects, problems = output_objects(
                performed, node.commondir / STATE_DIR, shipment.remote
            )
        except GitmlError as exc:  # the run happened: it is recorded, without its outputs
            objects, problems = {}, [f"outputs not sent from node {_host()}: {exc}"]
        if problems:
            performed = performed._replace(problems=(*performed.problems, *problems))
        yield ("done", performed, objects)


def _host() -> str:
    """This node's address in the cluster."""

    ray = import_ray()
    context = ray.get_runtime_context()
    for node in ray.nodes():
        if node.get("NodeID") == context.get_node_id():
            return str(node.get("NodeManagerAddress"))
    return str(context.get_node_id())[:12]
