"""Queued runs on ``refs/gitml/queue``: entries, and events that say what became of them.

    queue/<shard>/<entry id>.toml                 an entry: the run asked for, its code
    queue/<shard>/<entry id>/<event id>.toml      claimed | finished | cancelled | released

Records are immutable and only ever added, so queues in two clones merge as any
collection does (``git ml pull``/``push``). An entry pins the code as it was when it was
added (its checkpoint is an extra parent of the commit that adds it, so it travels with
the ref). Its state is its events replayed in id order (``state_of``). A claim is written
only if the entry is still queued in the snapshot the write builds on, and the write is a
compare-and-swap of the ref, rebuilt on every retry: of two starters claiming at once,
one writes its claim and the other sees it and moves on. Two clones that claim the same
entry before they exchange records both run it; both results are kept and shown.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from gitml.errors import GitmlError, RecordNotFound
from gitml.records import codec, ids
from gitml.records.typed import typed
from gitml.storage import QUEUE_REF
from gitml.storage.collection import DECLARED, Collection, Snapshot, open_collection, wide_shard_of
from gitml.storage.repo import GitRepo

if TYPE_CHECKING:
    from gitml.records.shapes import QueueEntryRecord, QueueEventRecord, WorkerTable

ENTRY_SCHEMA = "gitml/queue-entry/1"
EVENT_SCHEMA = "gitml/queue-event/1"
PREFIX = DECLARED[QUEUE_REF].prefix
EVENT_KINDS = ("claimed", "finished", "cancelled", "released")


class NotQueued(GitmlError):
    """The entry is no longer waiting (claimed, finished or cancelled)."""


def queue_collection(repo: GitRepo) -> Collection:
    return open_collection(repo, QUEUE_REF)


def entry_path(entry_id: str) -> str:
    return f"{PREFIX}/{wide_shard_of(entry_id)}/{entry_id}.toml"


def events_dir(entry_id: str) -> str:
    return f"{PREFIX}/{wide_shard_of(entry_id)}/{entry_id}"


def stamp() -> datetime:
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def worker_of(runner: str) -> WorkerTable:
    """Who works on an entry: this host and process, and the ``queue start`` it belongs to."""
    return {"host": platform.node(), "pid": os.getpid(), "runner": runner}


@dataclass(frozen=True)
class EntryState:
    """An entry with its events replayed."""

    doc: QueueEntryRecord
    events: tuple[QueueEventRecord, ...] = ()
    state: str = "queued"  # queued | running | done | failed | cancelled
    claim: QueueEventRecord | None = None
    finished: QueueEventRecord | None = None
    cancel_requested: bool = False
    claims: int = 0

    @property
    def id(self) -> str:
        return self.doc["id"]

    @property
    def name(self) -> str:
        return self.doc["name"]

    @property
    def worker(self) -> WorkerTable | None:
        """Who holds the current claim (None while nobody does)."""
        return self.claim.get("worker") if self.claim is not None else None

    @property
    def runs(self) -> list[str]:
        """The runs the entry recorded when it finished ([] until then)."""
        return self.finished.get("runs", []) if self.finished is not None else []


def state_of(doc: QueueEntryRecord, events: Sequence[QueueEventRecord]) -> EntryState:
    """Replay ``events`` (any order) of the entry ``doc``."""
    ordered = sorted(events, key=lambda e: e["id"])
    state = "queued"
    claim = finished = None
    cancel = False
    claims = 0
    for event in ordered:
        kind = event["kind"]
        if kind == "claimed":
            claims += 1
            if state == "queued":
                state, claim = "running", event
        elif kind == "released" and state == "running":
            state, claim = "queued", None
        elif kind == "cancelled":
            cancel = True
            if state == "queued":
                state = "cancelled"
        elif kind == "finished" and finished is None:
            finished = event
            state = "done" if event.get("status") == "completed" else "failed"
    return EntryState(
        doc=doc,
        events=tuple(ordered),
        state=state,
        claim=claim,
        finished=finished,
        cancel_requested=cancel,
        claims=claims,
    )


def _events_in(snap: Snapshot, entry_id: str) -> list[QueueEventRecord]:
    folder = events_dir(entry_id)
    found = []
    for name in snap.listdir(folder):
        path = f"{folder}/{name}"
        data = snap.read(path)
        if data is not None:
            where = f"{QUEUE_REF}:{path}"
            found.append(typed(codec.loads(data, where=where), "queue-event", where=where))
    return found


def read_state(snap: Snapshot, entry_id: str) -> EntryState:
    path = entry_path(entry_id)
    data = snap.read(path)
    if data is None:
        raise RecordNotFound(f"no queued run {entry_id}; `git ml queue status` lists them")
    where = f"{QUEUE_REF}:{path}"
    doc = typed(codec.loads(data, where=where), "queue-entry", where=where)
    return state_of(doc, _events_in(snap, entry_id))


def iter_states(repo: GitRepo) -> Iterator[EntryState]:
    """Every entry with its state, oldest first."""
    collection = queue_collection(repo)
    entries: dict[str, QueueEntryRecord] = {}
    events: dict[str, list[QueueEventRecord]] = {}
    for path, data in collection.iter_records():
        if not path.endswith(".toml"):
            continue
        parts = path.split("/")
        where = f"{QUEUE_REF}:{path}"
        if len(parts) == 3:
            doc = typed(codec.loads(data, where=where), "queue-entry", where=where)
            entries[doc["id"]] = doc
        elif len(parts) == 4:
            event = typed(codec.loads(data, where=where), "queue-event", where=where)
            events.setdefault(parts[2], []).append(event)
    for entry_id in sorted(entries):
        yield state_of(entries[entry_id], events.get(entry_id, []))


def add_entry(repo: GitRepo, doc: Mapping[str, Any], *, checkpoint: str) -> QueueEntryRecord:
    """Write a new entry (returned, validated); its code checkpoint becomes reachable from
    the queue ref."""
    path = entry_path(str(doc["id"]))
    entry = typed(doc, "queue-entry", where=path)
    data = codec.dump_bytes(doc)
    collection = queue_collection(repo)
    if collection.tip() is None:  # a root commit first: first parents are the queue's own
        collection.write(lambda _snap: {}, "gitml queue: start the collection")
    collection.write(
        lambda _snap: {path: data},
        f"queue add {doc['id']} {doc['name']}",
        extra_parents=[checkpoint],
    )
    return entry


def event_doc(entry_id: str, kind: str, **fields: Any) -> QueueEventRecord:
    doc: codec.Doc = {
        "schema": EVENT_SCHEMA,
        "id": ids.new_id(),
        "entry": entry_id,
        "kind": kind,
        "time": stamp(),
        **{k: v for k, v in fields.items() if v is not None},
    }
    return typed(codec.canonical(doc), "queue-event", where=f"queue event of {entry_id}")


def add_event(
    repo: GitRepo, entry_id: str, doc: QueueEventRecord, *, require_queued: bool = False
) -> None:
    """Add an event; with ``require_queued``, only if the entry is queued in the snapshot
    the write builds on (``NotQueued`` otherwise), which makes a claim exclusive."""
    path = f"{events_dir(entry_id)}/{doc['id']}.toml"
    data = codec.dump_bytes(doc)

    def build(snap: Snapshot) -> dict[str, bytes | None]:
        state = read_state(snap, entry_id)
        if require_queued and state.state != "queued":
            raise NotQueued(f"queued run {entry_id} is {state.state}")
        return {path: data}

    queue_collection(repo).write(build, f"queue {doc['kind']} {entry_id}")


def claim(repo: GitRepo, entry_id: str, worker: Mapping[str, Any]) -> bool:
    """Claim a queued entry for ``worker`` (``worker_of``); False when someone else has it."""
    doc = event_doc(entry_id, "claimed", worker=dict(worker))
    try:
        add_event(repo, entry_id, doc, require_queued=True)
    except NotQueued:
        return False
    return True


def find_entry(states: Sequence[EntryState], text: str) -> EntryState:
    """An entry by id, unique id prefix, name, or the id of a run it recorded."""
    wanted = text.strip()
    upper = wanted.upper()
    exact = [s for s in states if s.id == upper]
    if exact:
        return exact[0]
    named = [s for s in states if s.name == wanted]
    if named:
        return named[-1]
    by_run = [s for s in states if upper in s.runs]
    if by_run:
        return by_run[-1]
    prefixed = [s for s in states if s.id.startswith(upper)] if len(upper) >= 4 else []
    if len(prefixed) == 1:
        return prefixed[0]
    if len(prefixed) > 1:
        raise GitmlError(f"{text!r} matches {len(prefixed)} queued runs; give more characters")
    raise RecordNotFound(f"no queued run matches {text!r}; `git ml queue status` lists them")
