"""Reading and writing ``refs/gitml/registry``: planned CAS writes and indexed queries.

Writes go through ``write_planned``: a plan (files + commit message) is computed from a
snapshot of the ref, and committed only on top of that same snapshot; if another writer
moved the ref meanwhile the plan is recomputed. Sequence numbers and auto-incremented
versions are therefore assigned without races and without a lock.

Reads use the SQLite index under ``.git/gitml`` (refreshed incrementally from the ref), so a
query over a model with 10,000 events is one SQL statement, not 10,000 blob reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NamedTuple

from gitml.errors import RecordNotFound, RefConflict
from gitml.records import codec
from gitml.records.schema import validate
from gitml.records.typed import typed
from gitml.registry import records as rec
from gitml.registry.names import version_sort_key
from gitml.registry.stagefile import Assignments, Known, Value
from gitml.storage import REGISTRY_REF
from gitml.storage.collection import Collection, Companion, Snapshot, open_collection
from gitml.storage.index import Index
from gitml.storage.refs import backoff

if TYPE_CHECKING:
    from gitml.records.codec import Doc
    from gitml.records.shapes import AppliedRecord, ModelVersionRecord, StageEventRecord
from gitml.storage.repo import GitRepo

MAX_PLANS = 400


def parse_registry_record(path: str, data: bytes) -> Doc | None:
    """Index parser: versions and events, checked with the fast schema validator."""
    if not path.endswith(".toml"):
        return None
    if path.startswith(f"{rec.APPLIED_DIR}/"):
        kind = "applied"
    elif "/versions/" in path:
        kind = "model-version"
    elif "/events/" in path:
        kind = "stage-event"
    else:
        return None
    doc = codec.loads(data, where=path)
    validate(doc, kind, where=path)
    from gitml.integrity.layouts import require_identity

    require_identity(REGISTRY_REF, path, data, doc)
    return doc


def registry_collection(repo: GitRepo) -> Collection:
    return open_collection(repo, REGISTRY_REF)


class Plan(NamedTuple):
    files: Mapping[str, bytes]
    message: str
    result: Any = None


class Replan(Exception):
    """The ref moved between planning and committing (or while planning): plan again."""


def write_planned(
    collection: Collection,
    plan: Callable[[Snapshot], Plan | None],
    *,
    also: Callable[[Plan], Companion | None] | None = None,
) -> tuple[str | None, Plan | None]:
    """Commit what ``plan(snapshot)`` returns on top of that snapshot; ``None`` = nothing.

    ``also(plan)``: a write to another collection published in the same ref transaction.
    """
    for attempt in range(MAX_PLANS):
        snap = collection.snapshot()
        try:
            planned = plan(snap)
            if planned is None or not planned.files:
                return (str(snap.tip) if snap.tip is not None else None), planned

            def build(
                current: Snapshot, expected: Snapshot = snap, files: Plan = planned
            ) -> Mapping[str, bytes | None]:
                if current.tip != expected.tip:
                    raise Replan
                return dict(files.files)

            tip = collection.write(
                build, planned.message, also=also(planned) if also is not None else None
            )
        except Replan:
            backoff(attempt)
            continue
        return tip, planned
    raise RefConflict(f"{collection.ref}: too many concurrent writers; try again")


def list_names(snap: Snapshot, path: str) -> list[str]:
    return snap.listdir(path)


def models_in(snap: Snapshot) -> list[str]:
    return sorted(list_names(snap, rec.PREFIX))


def versions_in(snap: Snapshot, model: str) -> list[str]:
    return [
        n.removesuffix(".toml")
        for n in list_names(snap, rec.versions_dir(model))
        if n.endswith(".toml")
    ]


def last_seq(snap: Snapshot, model: str) -> int:
    """The model's highest event sequence number in ``snap`` (0 when none)."""
    buckets = sorted(list_names(snap, rec.events_dir(model)))
    for bucket in reversed(buckets):
        seqs = [
            s
            for s in map(rec.seq_of_name, list_names(snap, f"{rec.events_dir(model)}/{bucket}"))
            if s is not None
        ]
        if seqs:
            return max(seqs)
    return 0


def load_version(snap: Snapshot, model: str, version: str) -> ModelVersionRecord | None:
    """The version record at ``model``/``version`` in ``snap``, validated (dates as text)."""
    path = rec.version_path(model, version)
    data = snap.read(path)
    if data is None:
        return None
    doc = codec.loads(data, where=f"{REGISTRY_REF}:{path}")
    typed(doc, "model-version", where=f"{REGISTRY_REF}:{path}")
    return typed(codec.to_jsonable(doc), "model-version", where=None)


def version_lookup(snap: Snapshot) -> Known:
    """``known(model, version)`` answered from the snapshot's tree (no scan)."""

    def known(model: str, version: str | None) -> bool:
        if version is None:
            return snap.exists(rec.versions_dir(model))
        return snap.exists(rec.version_path(model, version))

    return known


_EVENT = f"kind = '{rec.EVENT_SCHEMA}'"
_INDEXES = (
    "CREATE INDEX IF NOT EXISTS registry_event_stage ON records(ref, "
    "json_extract(doc, '$.model'), json_extract(doc, '$.stage'), json_extract(doc, '$.seq')) "
    f"WHERE {_EVENT}",
    "CREATE INDEX IF NOT EXISTS registry_event_commit ON records(ref, "
    f"json_extract(doc, '$.commit')) WHERE {_EVENT}",
    "CREATE INDEX IF NOT EXISTS registry_event_version ON records(ref, "
    f"json_extract(doc, '$.model'), json_extract(doc, '$.version')) WHERE {_EVENT}",
)


def _range(prefix: str) -> list[str]:
    """Bounds of the paths under ``prefix/`` (a primary-key range scan)."""
    return [prefix + "/", prefix + "0"]


class RegistryIndex:
    """Indexed queries over the registry collection (use as ``with open_index(repo) as q``).

    Besides the shared records table it keeps partial expression indexes on stage
    events, (model, stage, seq), (commit) and (model, version), so the applied state, the
    "already applied?" question and a version's past stages cost an index seek each,
    however long the log. The index is brought up to the ref's tip before the first query
    and by ``refresh``, not before every query (each would read the ref again).
    """

    def __init__(self, collection: Collection, index: Index) -> None:
        self.collection = collection
        self.index = index
        self._ready = False
        self._fresh = False

    @property
    def tip(self) -> str | None:
        return self.index.indexed_tip(self.collection.ref) or None

    def refresh(self) -> None:
        if not self._ready:
            self.index.run(lambda conn: [conn.execute(ddl) for ddl in _INDEXES])
            self._ready = True
        self.index.refresh(self.collection)
        self._fresh = True

    def check_tip(self, snap: Snapshot) -> None:
        """Refresh; Replan when the index does not show exactly ``snap``."""
        self.refresh()
        if self.tip != (str(snap.tip) if snap.tip is not None else None):
            raise Replan

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        if not self._fresh:
            self.refresh()
        args = [self.collection.ref, *params]
        return self.index.run(lambda conn: list(conn.execute(sql, args)))

    def versions(self, model: str) -> list[ModelVersionRecord]:
        """Version records of ``model``, in version order."""
        rows = self._query(
            "SELECT doc FROM records WHERE ref=? AND path >= ? AND path < ? AND error IS NULL",
            _range(rec.versions_dir(model)),
        )
        docs = [_version(r[0]) for r in rows]
        docs.sort(key=lambda d: version_sort_key(d["version"]))
        return docs

    def version_summaries(self) -> list[tuple[str, int, str]]:
        """(model, number of versions, newest created) of every model."""
        rows = self._query(
            "SELECT json_extract(doc, '$.model'), count(*), max(json_extract(doc, '$.created')) "
            "FROM records WHERE ref=? AND kind=? AND error IS NULL GROUP BY 1 ORDER BY 1",
            [rec.VERSION_SCHEMA],
        )
        return [(str(m), int(n), str(c)) for m, n, c in rows]

    def version_names(self) -> dict[str, list[str]]:
        """model -> registered versions (every version record: a scan)."""
        rows = self._query(
            "SELECT json_extract(doc, '$.model'), json_extract(doc, '$.version') FROM records "
            "WHERE ref=? AND kind=? AND error IS NULL",
            [rec.VERSION_SCHEMA],
        )
        out: dict[str, list[str]] = {}
        for model, version in rows:
            out.setdefault(str(model), []).append(str(version))
        return out

    def applied_rows(self) -> list[tuple[str, AppliedRecord]]:
        """(path, doc) of every applied-state record."""
        rows = self._query(
            "SELECT path, doc FROM records WHERE ref=? AND kind=? AND error IS NULL ORDER BY path",
            [rec.APPLIED_SCHEMA],
        )
        return [(str(p), typed(_json(d), "applied", where=None)) for p, d in rows]

    def all_versions(self) -> list[ModelVersionRecord]:
        """Every valid version record (a scan)."""
        rows = self._query(
            "SELECT doc FROM records WHERE ref=? AND kind=? AND error IS NULL ORDER BY path",
            [rec.VERSION_SCHEMA],
        )
        return [_version(r[0]) for r in rows]

    def versions_of_runs(self, run_ids: Sequence[str]) -> list[ModelVersionRecord]:
        """Version records registered from any of ``run_ids`` (a scan of version records)."""
        wanted = sorted(set(run_ids))
        if not wanted:
            return []
        marks = ",".join("?" * len(wanted))
        rows = self._query(
            "SELECT doc FROM records WHERE ref=? AND kind=? AND error IS NULL "
            f"AND json_extract(doc, '$.run.id') IN ({marks})",
            [rec.VERSION_SCHEMA, *wanted],
        )
        return [_version(r[0]) for r in rows]

    def events(self, model: str) -> list[StageEventRecord]:
        """Stage events of ``model`` in replay order (seq, then id)."""
        rows = self._query(
            "SELECT doc FROM records WHERE ref=? AND path >= ? AND path < ? "
            "AND error IS NULL ORDER BY path",
            _range(rec.events_dir(model)),
        )
        docs = [_event(r[0]) for r in rows]
        docs.sort(key=lambda d: (d["seq"], d["id"]))
        return docs

    def event_rows(self) -> list[tuple[str, StageEventRecord]]:
        """(path, doc) of every valid stage event, by path."""
        rows = self._query(
            "SELECT path, doc FROM records WHERE ref=? AND kind=? AND error IS NULL ORDER BY path",
            [rec.EVENT_SCHEMA],
        )
        return [(str(p), _event(d)) for p, d in rows]

    def max_seq(self, model: str) -> int:
        """The model's highest event sequence number (0 when none): one primary-key seek."""
        [(path,)] = self._query(
            "SELECT max(path) FROM records WHERE ref=? AND path >= ? AND path < ?",
            _range(rec.events_dir(model)),
        )
        if not path:
            return 0
        return rec.seq_of_name(str(path).rsplit("/", 1)[-1]) or 0

    def is_applied(self, commit: str) -> bool:
        """Whether ``commit`` is applied: an event came from it, or apply recorded it
        (``applied/``); two index seeks."""
        rows = self._query(
            "SELECT 1 FROM records INDEXED BY registry_event_commit "
            f"WHERE ref=? AND {_EVENT} AND json_extract(doc, '$.commit') = ? LIMIT 1",
            [commit],
        )
        return bool(rows) or bool(
            self._query(
                "SELECT 1 FROM records WHERE ref=? AND path=? AND error IS NULL",
                [rec.applied_path(commit)],
            )
        )

    def assigned_stages(self, model: str, version: str) -> set[str]:
        """Every stage the log ever assigned ``version`` of ``model`` to (an index seek)."""
        rows = self._query(
            "SELECT DISTINCT json_extract(doc, '$.stage') FROM records "
            f"INDEXED BY registry_event_version WHERE ref=? AND {_EVENT} "
            "AND json_extract(doc, '$.model') = ? AND json_extract(doc, '$.version') = ? "
            "AND json_extract(doc, '$.action') = 'assign' AND error IS NULL",
            [model, version],
        )
        return {str(stage) for (stage,) in rows}

    def stage_events(self, model: str, stage: str, *, last: bool = False) -> list[StageEventRecord]:
        """Events of one stage of one model in replay order (``last``: only the newest)."""
        order = "DESC LIMIT 1" if last else ""
        rows = self._query(
            "SELECT doc FROM records INDEXED BY registry_event_stage "
            f"WHERE ref=? AND {_EVENT} "
            "AND json_extract(doc, '$.model') = ? AND json_extract(doc, '$.stage') = ? "
            f"AND error IS NULL ORDER BY json_extract(doc, '$.seq') {order}",
            [model, stage],
        )
        docs = [_event(r[0]) for r in rows]
        docs.sort(key=lambda d: (d["seq"], d["id"]))
        return docs

    def state(
        self, models: Iterable[str], stages: Iterable[str], terminal: Iterable[str]
    ) -> Assignments:
        """Applied assignments of ``models`` by replay: one index seek per model and stage.

        A stage of the ordered list is held by the version of its newest event when that
        event assigns; a terminal stage holds every version whose newest event assigns it.
        """
        final = set(terminal)
        wanted = list(stages)
        out: Assignments = {}
        for model in models:
            held: dict[str, Value] = {}
            for stage in wanted:
                if stage in final:
                    members: dict[str, bool] = {}
                    for event in self.stage_events(model, stage):
                        members[event["version"]] = event["action"] == "assign"
                    chosen = sorted((v for v, on in members.items() if on), key=version_sort_key)
                    if chosen:
                        held[stage] = tuple(chosen)
                else:
                    newest = self.stage_events(model, stage, last=True)
                    if newest and newest[0]["action"] == "assign":
                        held[stage] = newest[0]["version"]
            if held:
                out[model] = held
        return out

    def errors(self) -> Iterator[tuple[str, str]]:
        yield from self.index.errors(self.collection)

    def docs_at(self, paths: Iterable[str]) -> dict[str, tuple[str, Doc]]:
        """path -> (kind, doc) of the valid records at ``paths`` (one primary-key seek each)."""
        wanted = sorted(set(paths))
        out: dict[str, tuple[str, Doc]] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for path, kind, doc in self._query(
                f"SELECT path, kind, doc FROM records WHERE ref=? AND path IN ({marks}) "
                "AND error IS NULL",
                chunk,
            ):
                out[str(path)] = (str(kind), _json(doc))
        return out


def _json(text: str) -> Doc:
    import json

    doc: Doc = json.loads(text)
    return doc


def _version(text: str) -> ModelVersionRecord:
    """A version row of the index (validated when indexed, ``parse_registry_record``)."""
    return typed(_json(text), "model-version", where=None)


def _event(text: str) -> StageEventRecord:
    """A stage-event row of the index (validated when indexed)."""
    return typed(_json(text), "stage-event", where=None)


@contextmanager
def open_index(repo: GitRepo, held: RegistryIndex | None = None) -> Iterator[RegistryIndex]:
    """The registry's index, closed on leaving; ``held``: one a caller up the stack has
    open, used as it is and left open (a command opens the index once)."""
    if held is not None:
        yield held
        return
    collection = registry_collection(repo)
    index = Index.for_collection(collection, parse_registry_record)
    try:
        yield RegistryIndex(collection, index)
    finally:
        index.close()


def get_version(repo: GitRepo, model: str, version: str) -> ModelVersionRecord:
    """A version record; RecordNotFound says how to list what exists."""
    snap = registry_collection(repo).snapshot()
    doc = load_version(snap, model, version)
    if doc is not None:
        return doc
    known = versions_in(snap, model)
    if not known:
        raise RecordNotFound(
            f"model {model!r} is not registered; `git ml model ls` lists models, "
            f"`git ml model register {model} --run RUN` adds one"
        )
    raise RecordNotFound(
        f"model {model!r} has no version {version!r}; `git ml model show {model}` lists its versions"
    )
