"""``git ml queue add``: a run to do later, with the code pinned as it is now.

Everything ``git ml run`` would check before starting is checked here (options, params
files, ``-S`` keys and search spaces), so an entry that is queued can run; the work tree
is checkpointed as ``git ml run`` does. An entry stores its options as the command line
gave them and its command as given: a command holding a secret-looking value is refused
(the queue is shared with ``git ml push``), as a rerun of a redacted command is. The
clone notes the entries it added (``queue.origin``): the only ones its runner takes unasked.
"""

from __future__ import annotations

import platform
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitml.errors import UsageError
from gitml.queue.origin import note_added
from gitml.queue.records import ENTRY_SCHEMA, add_entry, stamp
from gitml.records import codec, ids
from gitml.runs.code import checkpoint_of
from gitml.runs.execute import (
    RunRequest,
    SearchOptions,
    checkpoint,
    identity,
    open_workspace,
    validate_request,
)
from gitml.runs.params import expand_grid, parse_override, plan_overrides, reject_distributions
from gitml.runs.record import code_table
from gitml.runs.redact import redact_command
from gitml.search.space import parse_space
from gitml.storage.repo import GitRepo
from gitml.storage.worktree import Checkpoint

if TYPE_CHECKING:
    from gitml.records.shapes import QueueEntryRecord


def check_planned(request: RunRequest, cwd: Path, params_files: tuple[str, ...]) -> None:
    """What the run will do is valid: its grid (or search space) and every ``-S`` key."""

    if request.search is not None:
        assignments = [
            {(d.file, d.key): d.values[0] if d.values else d.low}
            for d in parse_space(request.overrides)
        ]
    else:
        reject_distributions(request.overrides)
        assignments = expand_grid(request.overrides)[:1]
    for assignment in assignments:
        plan_overrides(cwd, params_files, assignment)


def options_of(request: RunRequest) -> codec.Doc:
    """The entry's ``options`` table (empty values left out)."""
    found: codec.Doc = {
        "message": request.message,
        "tags": dict(request.tags),
        "set": [o.text for o in request.overrides],
        "params": dict(request.params),
        "params_files": list(request.params_files),
        "metrics": list(request.metrics_files),
        "inputs": list(request.inputs),
        "outputs": list(request.outputs),
        "best": request.best,
        "retries": request.retries or None,
        "jobs": request.jobs if request.jobs != 1 else None,
        "cpus": request.cpus if request.cpus != 1.0 else None,
        "gpus": request.gpus or None,
    }
    search = request.search
    if search is not None:
        found["search"] = {
            k: v
            for k, v in {
                "kind": search.kind,
                "trials": search.trials,
                "objective": search.objective,
                "direction": search.direction,
                "sampler": search.sampler,
                "pruner": search.pruner,
                "seed": search.seed,
            }.items()
            if v is not None
        }
    return {k: v for k, v in found.items() if v not in (None, [], {})}


def request_of(doc: Mapping[str, Any], *, on: str | None = None) -> RunRequest:
    """The run an entry asks for (members on ``on``, a cluster, when given)."""
    options = doc.get("options") or {}
    search = options.get("search")
    return RunRequest(
        command=tuple(str(w) for w in doc["command"]),
        name=str(doc["name"]),
        message=options.get("message"),
        tags=dict(options.get("tags") or {}),
        overrides=tuple(parse_override(t) for t in options.get("set") or ()),
        params=dict(options.get("params") or {}),
        params_files=tuple(options.get("params_files") or ()),
        metrics_files=tuple(options.get("metrics") or ()),
        inputs=tuple(options.get("inputs") or ()),
        outputs=tuple(options.get("outputs") or ()),
        jobs=int(options.get("jobs", 1)),
        best=options.get("best"),
        on=on,
        retries=int(options.get("retries", 0)),
        search=SearchOptions(**search) if search else None,
        cpus=float(options.get("cpus", 1.0)),
        gpus=float(options.get("gpus", 0.0)),
    )


def code_of(doc: Mapping[str, Any]) -> Checkpoint:
    """The code an entry pinned."""

    return checkpoint_of(doc["code"])


def add(repo: GitRepo, request: RunRequest, *, cwd: Path) -> QueueEntryRecord:
    """Check and queue ``request``; returns the entry."""

    validate_request(request)
    if request.on is not None:
        raise UsageError("queue add takes no --on: say where with `git ml queue start --on`")
    if redact_command(request.command, cwd) != list(request.command):
        raise UsageError(
            "the command holds a secret-looking value, and queued runs are shared with "
            "`git ml push`; pass secrets through environment variables instead"
        )
    ws = open_workspace(repo, cwd, request.params_files)
    check_planned(request, ws.cwd, ws.params_files)
    entry_id = ids.new_id()
    code = checkpoint(ws, entry_id)
    doc: codec.Doc = {
        "schema": ENTRY_SCHEMA,
        "id": entry_id,
        "name": request.name or ids.new_name(),
        "created": stamp(),
        "user": identity(repo),
        "host": platform.node(),
        "command": list(request.command),
        "cwd": ws.rel_cwd,
        "code": {k: v for k, v in code_table(code).items() if v is not None},
        "options": options_of(request),
    }
    entry = add_entry(repo, codec.canonical(doc), checkpoint=code.checkpoint)
    note_added(repo, entry_id)  # after the write: an entry noted is one that exists
    return entry
