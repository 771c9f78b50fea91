"""Where each record of each collection may live, and what its path promises about it.

A path is part of a record's identity: ``runs/<shard>/<id>.toml`` holds the run ``<id>``
and nothing else, at the one shard its id hashes to under the layout the ref's
``layout.toml`` names (``a/b/c/d`` for ``DEEP``, ``ab`` for a runs ref created as ``WIDE``). ``check_file`` answers, for one file
added to a collection ref, whether its path is one the collection uses and whether the
bytes are what the path says (id, model, version, sequence number, content digest), and
returns the record id whose time must not be later than the commit that first holds it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any, NamedTuple

import xxhash

from gitml.errors import InvalidRecord
from gitml.records import codec, ids
from gitml.records.limits import size_problem
from gitml.storage import DATA_REF, MONITOR_REF, QUEUE_REF, REGISTRY_REF, RUNS_REF
from gitml.storage.collection import LAYOUT_PATH, LAYOUTS, WIDE, Layout
from gitml.units import format_utc

_ID = r"[0-9A-HJKMNP-TV-Z]{26}"
_SHARD = r"[0-9a-f]{2}"
_RUN_SHARD = r"[0-9a-f]{2}|[0-9a-f](?:/[0-9a-f]){3}"
_HEX32 = r"[0-9a-f]{32}"
_SHA = r"[0-9a-f]{40}"
_MODEL = r"[a-z0-9][a-z0-9._-]{0,63}"
_NAME = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"
_VERSION = r"[0-9A-Za-z][0-9A-Za-z.+-]{0,63}"

Found = tuple[str | None, str | None]
"""(problem or None, the record id whose time the commit bounds, or None)."""


class File:
    """One file added to a collection: its path, bytes and (parsed on demand) document."""

    def __init__(
        self,
        path: str,
        data: bytes,
        doc: Mapping[str, Any] | None = None,
        layout: Layout | None = None,
    ) -> None:
        self.path = path
        self.data = data
        self._doc = doc
        self.layout = layout
        """The layout of the tree the file is in; None: whichever its path has."""

    @property
    def doc(self) -> Mapping[str, Any]:
        if self._doc is None:
            self._doc = codec.loads(self.data, where=self.path)
        return self._doc


Check = Callable[[Mapping[str, str], File], Found]


class Rule(NamedTuple):
    pattern: re.Pattern[str]
    check: Check


def _shard_problem(key: str, shard: str, canonical: str) -> str | None:
    if WIDE.shard(key) == shard:
        return None
    return f"is filed outside its shard (it belongs at {canonical})"


def _run_layout(shard: str, file: File) -> Layout:
    """The layout a run path must follow: its tree's, else the one its shard's shape has."""
    if file.layout is not None:
        return file.layout
    return next(layout for layout in LAYOUTS if len(layout.shard("")) == len(shard))


def _run_file(run_id: str, m: Mapping[str, str], file: File, suffix: str) -> str | None:
    shard = _run_layout(m["shard"], file).shard(run_id)
    if shard == m["shard"]:
        return None
    return f"is filed outside its shard (it belongs at runs/{shard}/{run_id}{suffix})"


def _fields(doc: Mapping[str, Any], want: Mapping[str, Any]) -> str | None:
    """Which field of ``doc`` disagrees with what the path says, if any."""
    for key, value in want.items():
        if doc.get(key) != value:
            return f"says {key} = {doc.get(key)!r} but its path says {value!r}"
    return None


def _layout(prefix: str, allowed: tuple[Layout, ...]) -> Check:
    def check(_m: Mapping[str, str], file: File) -> Found:
        wanted = (file.layout,) if file.layout is not None else allowed
        ok = any(file.data == codec.dump_bytes(layout.doc(prefix)) for layout in wanted)
        return (None if ok else "is not this collection's layout.toml"), None

    return check


def _run(m: Mapping[str, str], file: File) -> Found:
    run_id = m["id"]
    found = _run_file(run_id, m, file, ".toml")
    return found or _fields(file.doc, {"id": run_id}), run_id


def _history(m: Mapping[str, str], file: File) -> Found:
    run_id = m["id"]
    return _run_file(run_id, m, file, ".history.csv"), run_id


def _content(m: Mapping[str, str], file: File) -> Found:
    actual = xxhash.xxh3_128_hexdigest(file.data)
    if actual == m["hex"]:
        return None, None
    return f"holds content whose digest is {actual}, not the {m['hex']} its path says", None


def _link(m: Mapping[str, str], file: File) -> Found:
    new = m["new"]
    found = _shard_problem(new, m["shard"], f"links/{WIDE.shard(new)}/{new}-{m['old']}.toml")
    want = {"commit": new, "rewritten_from": m["old"]}
    return found or _fields(file.doc, want), None


def _manifest(m: Mapping[str, str], file: File) -> Found:
    hexdigest = m["hex"]
    canonical = f"data/{m['name']}/{WIDE.shard(hexdigest)}/{hexdigest}.toml"
    found = _shard_problem(hexdigest, m["shard"], canonical) or _content(m, file)[0]
    return found or _fields(file.doc, {"name": m["name"]}), None


def _sharded(m: Mapping[str, str], file: File) -> Found:
    hexdigest = m["hex"]
    head, _, name = file.path.rpartition("/")
    canonical = f"{head.rpartition('/')[0]}/{WIDE.shard(hexdigest)}/{name}"
    return _shard_problem(hexdigest, m["shard"], canonical), None


def _version(m: Mapping[str, str], file: File) -> Found:
    doc = file.doc
    found = _fields(doc, {"model": m["model"], "version": m["version"]})
    record_id = doc.get("id")
    return found, record_id if isinstance(record_id, str) else None


def _event(m: Mapping[str, str], file: File) -> Found:
    from gitml.registry.records import bucket_of

    seq = int(m["seq"])
    if bucket_of(seq) != m["bucket"]:
        return f"is filed in bucket {m['bucket']}, not {bucket_of(seq)} where seq {seq} goes", m[
            "id"
        ]
    return _fields(file.doc, {"model": m["model"], "seq": seq, "id": m["id"]}), m["id"]


def _report(m: Mapping[str, str], file: File) -> Found:
    want = {"model": m["model"], "version": m["version"], "id": m["id"]}
    return _fields(file.doc, want), m["id"]


def _applied(m: Mapping[str, str], file: File) -> Found:
    sha = m["sha"]
    found = _shard_problem(sha, m["shard"], f"applied/{WIDE.shard(sha)}/{sha}.toml")
    return found or _fields(file.doc, {"commit": sha}), None


def _queued(m: Mapping[str, str], file: File) -> Found:
    entry = m["id"]
    found = _shard_problem(entry, m["shard"], f"queue/{WIDE.shard(entry)}/{entry}.toml")
    return found or _fields(file.doc, {"id": entry}), entry


def _queue_event(m: Mapping[str, str], file: File) -> Found:
    entry = m["entry"]
    canonical = f"queue/{WIDE.shard(entry)}/{entry}/{m['id']}.toml"
    found = _shard_problem(entry, m["shard"], canonical)
    return found or _fields(file.doc, {"entry": entry, "id": m["id"]}), m["id"]


@cache
def layout_rules(ref: str) -> tuple[Rule, ...]:
    """Every path collection ``ref`` uses; anything else is refused (compiled on first use,
    one collection's at a time)."""
    return tuple(Rule(re.compile(pattern), check) for pattern, check in _PATTERNS.get(ref, ()))


_PATTERNS: dict[str, tuple[tuple[str, Check], ...]] = {
    RUNS_REF: (
        (re.escape(LAYOUT_PATH), _layout("runs", LAYOUTS)),
        (rf"runs/(?P<shard>{_RUN_SHARD})/(?P<id>{_ID})\.toml", _run),
        (rf"runs/(?P<shard>{_RUN_SHARD})/(?P<id>{_ID})\.history\.csv", _history),
        (rf"env/(?P<hex>{_HEX32})\.txt", _content),
        (rf"links/(?P<shard>{_SHARD})/(?P<new>{_SHA})-(?P<old>{_SHA})\.toml", _link),
    ),
    DATA_REF: (
        (re.escape(LAYOUT_PATH), _layout("data", (WIDE,))),
        (rf"data/(?P<name>{_NAME})/(?P<shard>{_SHARD})/(?P<hex>{_HEX32})\.toml", _manifest),
        (rf"data/(?P<name>{_NAME})/(?P<shard>{_SHARD})/(?P<hex>{_HEX32})\.listing", _sharded),
        (rf"profiles/(?P<shard>{_SHARD})/(?P<hex>{_HEX32})\.toml", _sharded),
    ),
    REGISTRY_REF: (
        (rf"models/(?P<model>{_MODEL})/versions/(?P<version>{_VERSION})\.toml", _version),
        (
            rf"models/(?P<model>{_MODEL})/events/(?P<bucket>[0-9]{{6}})/"
            rf"(?P<seq>[0-9]{{8}})-(?P<id>{_ID})\.toml",
            _event,
        ),
        (rf"applied/(?P<shard>{_SHARD})/(?P<sha>{_SHA})\.toml", _applied),
    ),
    MONITOR_REF: (
        (rf"monitor/(?P<model>{_MODEL})/(?P<version>{_VERSION})/(?P<id>{_ID})\.toml", _report),
    ),
    QUEUE_REF: (
        (re.escape(LAYOUT_PATH), _layout("queue", (WIDE,))),
        (rf"queue/(?P<shard>{_SHARD})/(?P<id>{_ID})\.toml", _queued),
        (rf"queue/(?P<shard>{_SHARD})/(?P<entry>{_ID})/(?P<id>{_ID})\.toml", _queue_event),
    ),
}


TOP_LEVEL: dict[str, frozenset[str]] = {
    RUNS_REF: frozenset({LAYOUT_PATH, "runs", "env", "links"}),
    DATA_REF: frozenset({LAYOUT_PATH, "data", "profiles"}),
    REGISTRY_REF: frozenset({"models", "applied"}),
    MONITOR_REF: frozenset({"monitor"}),
    QUEUE_REF: frozenset({LAYOUT_PATH, "queue"}),
}
"""The names each collection's tree may hold at its root."""


def check_file(
    ref: str,
    path: str,
    data: bytes,
    doc: Mapping[str, Any] | None = None,
    *,
    layout: Layout | None = None,
) -> Found:
    """(problem, time-bounded record id) of ``data`` added at ``path`` of collection ``ref``.

    The problem reads after "commit <sha> adds <path>, which ..."; None when the file is
    where it belongs and says what its path says. ``doc``: the bytes already parsed.
    ``layout``: the layout the ref's tree names, which every run path must follow (one
    ref never mixes layouts, so an id has one path); None accepts either layout's paths.
    """
    size = size_problem(path, len(data))
    if size is not None:
        return size, None
    for rule in layout_rules(ref):
        match = rule.pattern.fullmatch(path)
        if match is None:
            continue
        try:
            return rule.check(match.groupdict(), File(path, data, doc, layout))
        except InvalidRecord as exc:
            return str(exc).removeprefix(f"{path}: "), None
    return "is not a path this collection uses", None


def require_identity(
    ref: str, path: str, data: bytes, doc: Mapping[str, Any], *, layout: Layout | None = None
) -> None:
    """Raise InvalidRecord when the record at ``path`` is not what its path says."""
    problem, _ = check_file(ref, path, data, doc, layout=layout)
    if problem is not None:
        raise InvalidRecord(f"{path}: {problem}")


def time_problem(record_id: str | None, commit_time: int, skew_s: float) -> str | None:
    """Why a record id claims a time after the commit that first holds it (None: it does not)."""
    if record_id is None or not ids.is_id(record_id):
        return None
    claimed = ids.id_time_ms(record_id) / 1000
    if claimed <= commit_time + skew_s:
        return None
    return (
        f"has id {record_id}, whose time ({format_utc(claimed)}) is after the commit that adds it "
        f"({format_utc(commit_time)}); ids cannot claim the future"
    )
