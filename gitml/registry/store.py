"""Reading and writing ``refs/gitml/registry``: planned CAS writes and indexed queries.

Writes go through ``write_planned``: a plan (files + commit message) is computed from a
snapshot of the ref, and committed only on top of that same snapshot; if another writer
moved the ref meanwhile the plan is recomputed. Sequence numbers and auto-incremented
versions are therefore assigned without races and without a lock.

Reads use the SQLite index under ``.git/gitml`` (refreshed incrementally from the ref), so a
query over a model with 10,000 events is one SQL statement, not 10,000 blob reads.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from gitml.errors import RecordNotFound, RefConflict
from gitml.records import codec
from gitml.registry import records as rec
from gitml.registry.names import version_sort_key
from gitml.registry.stagefile import Assignments
from gitml.runs.fastschema import validate
from gitml.storage import REGISTRY_REF
from gitml.storage.collection import Collection, Snapshot
from gitml.storage.index import Index
from gitml.storage.repo import GitRepo

MAX_PLANS = 400


def parse_registry_record(path: str, data: bytes) -> dict[str, Any] | None:
    """Index parser: versions and events, checked with the fast schema validator."""
    if not path.endswith(".toml"):
        return None
    if "/versions/" in path:
        kind = "model-version"
    elif "/events/" in path:
        kind = "stage-event"
    else:
        return None
    doc = codec.loads(data, where=path)
    validate(doc, kind, where=path)
    return doc


def registry_collection(repo: GitRepo) -> Collection:
    return Collection(repo, REGISTRY_REF, rec.PREFIX, sharded=False)


@dataclass(frozen=True)
class Plan:
    files: Mapping[str, bytes]
    message: str
    result: Any = None


class Replan(Exception):
    """The ref moved between planning and committing (or while planning): plan again."""


def write_planned(
    collection: Collection, plan: Callable[[Snapshot], Plan | None]
) -> tuple[str | None, Plan | None]:
    """Commit what ``plan(snapshot)`` returns on top of that snapshot; ``None`` = nothing."""
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

            tip = collection.write(build, planned.message)
        except Replan:
            time.sleep(random.uniform(0, min(0.05, 0.0005 * (2 ** min(attempt, 7)))))
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


def load_version(snap: Snapshot, model: str, version: str) -> dict[str, Any] | None:
    path = rec.version_path(model, version)
    data = snap.read(path)
    if data is None:
        return None
    doc = codec.loads(data, where=f"{REGISTRY_REF}:{path}")
    validate(doc, "model-version", where=f"{REGISTRY_REF}:{path}")
    return codec.to_jsonable(doc)  # type: ignore[no-any-return]


def registered_versions(snap: Snapshot, models: Iterable[str]) -> dict[str, list[str]]:
    return {m: versions_in(snap, m) for m in models}


class RegistryIndex:
    """Indexed queries over the registry collection (use as ``with open_index(repo) as q``)."""

    def __init__(self, collection: Collection, index: Index) -> None:
        self.collection = collection
        self.index = index

    @property
    def tip(self) -> str | None:
        return self.index.indexed_tip(self.collection.ref) or None

    def refresh(self) -> None:
        self.index.refresh(self.collection, parse_registry_record)

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self.refresh()
        return list(self.index.connect().execute(sql, [self.collection.ref, *params]))

    def models(self) -> list[str]:
        rows = self._query(
            "SELECT DISTINCT json_extract(doc, '$.model') FROM records "
            "WHERE ref=? AND kind=? AND error IS NULL ORDER BY 1",
            [rec.VERSION_SCHEMA],
        )
        return [str(r[0]) for r in rows]

    def versions(self, model: str) -> list[dict[str, Any]]:
        """Version records of ``model``, oldest version first (version order)."""
        lo = rec.versions_dir(model) + "/"
        rows = self._query(
            "SELECT doc FROM records WHERE ref=? AND path >= ? AND path < ? AND error IS NULL",
            [lo, lo[:-1] + "0"],
        )
        docs = [_json(r[0]) for r in rows]
        docs.sort(key=lambda d: version_sort_key(str(d["version"])))
        return docs

    def version_summaries(self) -> list[tuple[str, int, str]]:
        """(model, number of versions, newest created) of every model."""
        rows = self._query(
            "SELECT json_extract(doc, '$.model'), count(*), max(json_extract(doc, '$.created')) "
            "FROM records WHERE ref=? AND kind=? AND error IS NULL GROUP BY 1 ORDER BY 1",
            [rec.VERSION_SCHEMA],
        )
        return [(str(m), int(n), str(c)) for m, n, c in rows]

    def version_names(self, models: Iterable[str] | None = None) -> dict[str, list[str]]:
        rows = self._query(
            "SELECT json_extract(doc, '$.model'), json_extract(doc, '$.version') FROM records "
            "WHERE ref=? AND kind=? AND error IS NULL",
            [rec.VERSION_SCHEMA],
        )
        wanted = set(models) if models is not None else None
        out: dict[str, list[str]] = {}
        for model, version in rows:
            if wanted is None or model in wanted:
                out.setdefault(str(model), []).append(str(version))
        return out

    def events(self, model: str | None = None) -> list[dict[str, Any]]:
        """Stage events in replay order (of one model, or of all, by model then seq)."""
        if model is None:
            rows = self._query(
                "SELECT doc FROM records WHERE ref=? AND kind=? AND error IS NULL ORDER BY path",
                [rec.EVENT_SCHEMA],
            )
        else:
            lo = rec.events_dir(model) + "/"
            rows = self._query(
                "SELECT doc FROM records WHERE ref=? AND path >= ? AND path < ? "
                "AND error IS NULL ORDER BY path",
                [lo, lo[:-1] + "0"],
            )
        docs = [_json(r[0]) for r in rows]
        docs.sort(key=lambda d: (d["model"], d["seq"], d["id"]))
        return docs

    def check_tip(self, snap: Snapshot) -> None:
        """Refresh; Replan when the index does not show exactly ``snap``."""
        self.refresh()
        if self.tip != (str(snap.tip) if snap.tip is not None else None):
            raise Replan

    def last_seqs(self) -> dict[str, int]:
        rows = self._query(
            "SELECT json_extract(doc, '$.model'), max(json_extract(doc, '$.seq')) FROM records "
            "WHERE ref=? AND kind=? AND error IS NULL GROUP BY 1",
            [rec.EVENT_SCHEMA],
        )
        return {str(m): int(q) for m, q in rows}

    def event_rows(self) -> list[tuple[str, dict[str, Any]]]:
        """(path, doc) of every valid stage event, by path."""
        rows = self._query(
            "SELECT path, doc FROM records WHERE ref=? AND kind=? AND error IS NULL ORDER BY path",
            [rec.EVENT_SCHEMA],
        )
        return [(str(p), _json(d)) for p, d in rows]

    def applied_commits(self) -> set[str]:
        rows = self._query(
            "SELECT DISTINCT json_extract(doc, '$.commit') FROM records "
            "WHERE ref=? AND kind=? AND error IS NULL",
            [rec.EVENT_SCHEMA],
        )
        return {str(r[0]) for r in rows}

    def state(self, terminal: Iterable[str], model: str | None = None) -> Assignments:
        """Current assignments by replay: the last event per stage (per version if terminal)."""
        where = "ref=? AND kind=? AND error IS NULL"
        params: list[Any] = [rec.EVENT_SCHEMA]
        if model is not None:
            lo = rec.events_dir(model) + "/"
            where += " AND path >= ? AND path < ?"
            params += [lo, lo[:-1] + "0"]
        rows = self._query(
            "SELECT m, s, v, a, rs, rv FROM ("
            " SELECT m, s, v, a,"
            "  row_number() OVER (PARTITION BY m, s ORDER BY q DESC, id DESC) AS rs,"
            "  row_number() OVER (PARTITION BY m, s, v ORDER BY q DESC, id DESC) AS rv"
            " FROM (SELECT json_extract(doc, '$.model') AS m, json_extract(doc, '$.stage') AS s,"
            "  json_extract(doc, '$.version') AS v, json_extract(doc, '$.action') AS a,"
            "  json_extract(doc, '$.seq') AS q, id FROM records WHERE " + where + ")"
            ") WHERE (rs = 1 OR rv = 1) AND a = 'assign'",
            params,
        )
        final = set(terminal)
        out: dict[str, dict[str, Any]] = {}
        for m, s, v, _a, rs, rv in rows:
            stages = out.setdefault(str(m), {})
            if s in final:
                if rv == 1:
                    stages.setdefault(str(s), []).append(str(v))
            elif rs == 1:
                stages[str(s)] = str(v)
        return {
            m: {
                s: (tuple(sorted(v, key=version_sort_key)) if isinstance(v, list) else v)
                for s, v in stages.items()
            }
            for m, stages in out.items()
            if stages
        }

    def errors(self) -> Iterator[tuple[str, str]]:
        yield from self.index.errors(self.collection)


def _json(text: str) -> dict[str, Any]:
    import json

    doc: dict[str, Any] = json.loads(text)
    return doc


@contextmanager
def open_index(repo: GitRepo) -> Iterator[RegistryIndex]:
    collection = registry_collection(repo)
    index = Index.for_collection(collection)
    try:
        yield RegistryIndex(collection, index)
    finally:
        index.close()


def get_version(repo: GitRepo, model: str, version: str) -> dict[str, Any]:
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
