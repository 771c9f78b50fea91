"""A collection: one ref whose commits hold a tree of immutable records.

Every write is a commit whose first parent is the old tip, published by compare-and-swap;
on a conflict the change is rebuilt on the new tip and retried with jittered backoff, so
concurrent writers (processes or libgit2 and git alike) never lose a record.
"""

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

import xxhash

from gitml.errors import GitmlError, RefConflict, write_failure
from gitml.records import codec
from gitml.records.limits import check_size
from gitml.storage import (
    DATA_REF,
    MONITOR_REF,
    QUEUE_REF,
    REGISTRY_REF,
    RUNS_REF,
    housekeeping,
    refs,
)
from gitml.storage.blobs import blob_sizes, read_blobs
from gitml.storage.odb import ObjectDB, ObjectWriteError, Tree, object_id
from gitml.storage.refs import (
    backoff,
    clear_stale_lock,
    lock_path,
    read_ref,
    update_ref,
    update_refs,
)
from gitml.storage.repo import GitRepo
from gitml.storage.trees import (
    apply_changes,
    commit_tree,
    diff_trees,
    read_blob,
    subtree,
    tree_entry,
)

LAYOUT_PATH = "layout.toml"
OBJECT_WRITE_ATTEMPTS = 5


class RecordExists(GitmlError):
    """A write would replace an existing record with different bytes."""


def object_write_failed(repo: GitRepo, exc: Exception, failures: int) -> int:
    """Count a failed object write and wait before the retry; give up after a few.

    git retries the usual race itself (a concurrent ``git gc`` removing an empty
    ``objects/xx/`` directory); what is left is a full disk or a read-only ``.git``, which
    a few attempts tell apart from a passing hiccup -- unless the OS said which it is.
    """
    failure = write_failure(exc, f"git objects in {repo.commondir / 'objects'}")
    if failure is not None:
        raise failure from None
    failures += 1
    if failures >= OBJECT_WRITE_ATTEMPTS:
        raise GitmlError(
            f"{repo.commondir / 'objects'}: cannot write git objects ({exc}); "
            "check that .git is writable and the disk is not full"
        ) from None
    time.sleep(0.01 * 2**failures)
    return failures


class Layout(NamedTuple):
    """How record ids map to folders: ``levels`` folders of ``width`` hex chars each,
    taken from xxh3-64 of the id (which spreads time-ordered ids evenly).

    A write rewrites one tree per level, so the deeper the fan-out the smaller each
    rewritten tree: with four levels of 16 a write touches trees of at most 16 entries
    down to a leaf of N/65,536 records, where one level of 256 rewrites a leaf of N/256.
    """

    levels: int
    width: int

    def shard(self, key: str) -> str:
        digest = xxhash.xxh3_64_hexdigest(key.encode("utf-8"))
        w = self.width
        return "/".join(digest[i * w : (i + 1) * w] for i in range(self.levels))

    def doc(self, prefix: str) -> dict[str, object]:
        """The ``layout.toml`` of a collection with this layout."""
        return {
            "schema": "gitml/layout/1",
            "collection": prefix,
            "fanout": self.levels,
            "shard": f"xxh3-64:{self.width}" if self.levels else "none",
        }


WIDE = Layout(levels=1, width=2)
"""One level of 256 folders: the first layout, kept by collections that stay small (data,
registry) and by runs collections created before ``DEEP``."""
DEEP = Layout(levels=4, width=1)
"""Four levels of 16 folders: what new runs collections use (linear history cost)."""
FLAT = Layout(levels=0, width=0)
LAYOUTS = (DEEP, WIDE)


class Declared(NamedTuple):
    """Where a collection's records live in its ref, and how they are filed."""

    prefix: str
    sharded: bool = True
    fresh: Layout = DEEP  # the layout of a collection created now


DECLARED: Mapping[str, Declared] = {
    RUNS_REF: Declared("runs"),
    DATA_REF: Declared("data", fresh=WIDE),  # small: a record per dataset version
    REGISTRY_REF: Declared("models", sharded=False),  # by model name and version
    MONITOR_REF: Declared("monitor", sharded=False),  # by model, version and report
    QUEUE_REF: Declared("queue", fresh=WIDE),
}
"""Every record collection, declared once: its ref, folder and sharding."""


def shard_of(record_id: str) -> str:
    """The folders of ``record_id`` in a collection created now (``DEEP``)."""
    return DEEP.shard(record_id)


def wide_shard_of(key: str) -> str:
    """Two hex chars of a hash of ``key``: the ``WIDE`` shard of small collections."""
    return WIDE.shard(key)


def parse_layout(data: bytes, prefix: str, *, where: str) -> Layout:
    """The layout a ``layout.toml`` names; a clear error for one this version cannot read."""
    for layout in LAYOUTS:
        if data == codec.dump_bytes(layout.doc(prefix)):
            return layout
    raise GitmlError(
        f"{where}: not a collection layout this gitml reads (known: one level of two hex "
        "characters, or four of one); upgrade gitml"
    )


class Snapshot:
    """A collection as of one tip commit (``tip=None``: the ref does not exist)."""

    def __init__(self, repo: GitRepo, ref: str, tip: str | None) -> None:
        self.repo = repo
        self.ref = ref
        self.tip = tip

    @cached_property
    def tree(self) -> Tree | None:
        if self.tip is None:
            return None
        return commit_tree(self.repo.odb, self.tip)

    def read(self, path: str) -> bytes | None:
        return read_blob(self.repo.odb, self.tree, path)

    def size(self, path: str) -> int | None:
        """The size of the blob at ``path`` from its object header, unread (None: none)."""
        return self.sizes([path])[0]

    def sizes(self, paths: Sequence[str]) -> list[int | None]:
        """``size`` of each of ``paths``, asked of git at once."""
        if self.tip is None:
            return [None] * len(paths)
        return blob_sizes(self.repo, [f"{self.tip}:{path}" for path in paths])

    def exists(self, path: str) -> bool:
        return tree_entry(self.repo.odb, self.tree, path) is not None

    def listdir(self, path: str) -> list[str]:
        found = subtree(self.repo.odb, self.tree, path)
        return [entry.name for entry in found] if found is not None else []


Builder = Callable[[Snapshot], Mapping[str, bytes | None]]
Message = str | Callable[[], str]
"""A commit message, or what gives it once the builder has run (a message that names
what the builder read)."""


class LogEntry(NamedTuple):
    commit: str
    message: str
    author: str
    email: str
    time: int
    offset: int


class Collection:
    """Records under one ref; paths start with ``prefix`` (``runs``, ``data``, ...)."""

    def __init__(
        self,
        repo: GitRepo,
        ref: str,
        prefix: str,
        *,
        sharded: bool = True,
        fresh: Layout = DEEP,
    ) -> None:
        """``fresh``: the layout this collection gets if it does not exist yet; an existing
        one keeps the layout its ``layout.toml`` names."""
        self.repo = repo
        self.ref = ref
        self.prefix = prefix
        self.sharded = sharded
        self.fresh = fresh if sharded else FLAT
        self._layout: Layout | None = None if sharded else FLAT

    def record_path(self, record_id: str, *, under: str = "", at: Snapshot | None = None) -> str:
        """Where a record with this id lives (``runs/a/b/c/d/<id>.toml``); ``at``: a
        snapshot taken already, whose layout is read instead of the ref's."""
        base = f"{self.prefix}/{under}" if under else self.prefix
        shard = self.current_layout(at).shard(record_id)
        return f"{base}/{shard}/{record_id}.toml" if shard else f"{base}/{record_id}.toml"

    def current_layout(self, at: Snapshot | None = None) -> Layout:
        """The layout of the collection (``fresh`` while it does not exist), read from the
        snapshot ``at`` or the ref's tip."""
        if self._layout is not None:
            return self._layout
        found = self.layout_at(at if at is not None else self.snapshot())
        if found is None:
            return self.fresh
        self._layout = found  # a layout.toml never changes once written
        return found

    def layout_at(self, snap: Snapshot) -> Layout | None:
        """The layout ``snap``'s ``layout.toml`` names (None: there is none)."""
        if not self.sharded:
            return FLAT
        if snap.tip is None:
            return None
        # One round trip (git finds the path), no tree read: a write reads its trees at once.
        found = self.repo.odb.read(f"{snap.tip}:{LAYOUT_PATH}")
        if found is None or found.kind != "blob":
            return None
        return parse_layout(found.data, self.prefix, where=f"{self.ref}:{LAYOUT_PATH}")

    def layout(self) -> dict[str, object]:
        return self.fresh.doc(self.prefix)

    def tip(self) -> str | None:
        return read_ref(self.repo, self.ref)

    def snapshot(self) -> Snapshot:
        return Snapshot(self.repo, self.ref, self.tip())

    def snapshot_at(self, commit: str | None) -> Snapshot:
        """The collection as of ``commit`` (a fetched tip, say); empty for None."""
        return Snapshot(self.repo, self.ref, commit)

    def read(self, path: str) -> bytes | None:
        return self.snapshot().read(path)

    def put(
        self, path: str, data: bytes, message: str, *, extra_parents: Sequence[str] = ()
    ) -> str:
        """Add one record; a no-op when the same bytes are already there."""
        return self.write(lambda _snap: {path: data}, message, extra_parents=extra_parents)

    def write(
        self,
        build: Builder,
        message: Message,
        *,
        extra_parents: Sequence[str] = (),
        replace: bool = False,
        also: "Companion | None" = None,
        first: Snapshot | None = None,
    ) -> str:
        """Commit the files ``build(snapshot)`` returns; retried on conflict.

        ``build`` is called again on each retry with the new snapshot, so it may derive
        paths from what is there (sequence numbers). Returns the new (or unchanged) tip.
        Records are immutable: a different blob at an existing path raises RecordExists
        unless ``replace`` is set (derived data such as notes, where ``None`` deletes); a
        record over the size limits (``records.limits``) raises InvalidRecord.
        ``also`` commits to a second collection in the same ref transaction. A callable
        ``message`` is called after each ``build``. ``first``: a snapshot the caller took
        already, built on by the first attempt (if the ref moved since, that attempt
        conflicts and the next reads the ref again).
        """
        parents_extra = self._check_parents(extra_parents)
        deadline = time.monotonic() + refs.RETRY_SECONDS
        attempt = 0
        object_failures = 0
        while True:
            snap = first if first is not None else self.snapshot()
            first = None
            try:
                updates = self._updates(snap, build, message, parents_extra, replace)
                if also is not None:
                    if also.follows is not None:
                        also.follows(snap.tip, str(updates[0][1]) if updates else snap.tip)
                    other = also.collection.snapshot()
                    updates += also.collection._updates(
                        other, also.build, also.message, [], also.replace
                    )
                self.repo.odb.flush()  # both commits' objects, in one write when they share it
                if also is not None:
                    also.collection.repo.odb.flush()
            except (OSError, ObjectWriteError) as exc:
                object_failures = object_write_failed(self.repo, exc, object_failures)
                continue
            if not updates:
                return snap.tip or ""
            try:
                if len(updates) == 1:
                    update_ref(self.repo, *updates[0], _first_line(_text(message)))
                else:
                    update_refs(self.repo, updates, _first_line(_text(message)))
            except RefConflict:
                if time.monotonic() > deadline:
                    raise RefConflict(
                        f"{self.ref}: could not write for {refs.RETRY_SECONDS:.0f} s; if no other "
                        f"git process is running, remove {self._lock_path()} and retry"
                    ) from None
                for name, _new, _old in updates:
                    clear_stale_lock(self.repo, name)
                backoff(attempt)
                attempt += 1
                continue
            housekeeping.note_write(self.repo)
            return str(updates[0][1]) if updates[0][0] == self.ref else snap.tip or ""

    def _updates(
        self,
        snap: Snapshot,
        build: Builder,
        message: Message,
        extra_parents: list[str],
        replace: bool,
    ) -> list[tuple[str, object, object | None]]:
        """The ref update that publishes ``build(snap)`` (none when nothing changes)."""
        files = dict(build(snap))
        if snap.tip is not None:  # every tree on the way to the files, in one round trip
            folders = {"/".join(p.split("/")[:n]) for p in files for n in range(p.count("/") + 1)}
            self.repo.odb.prefetch(
                [snap.tip] + [f"{snap.tip}:{f}" if f else f"{snap.tip}^{{tree}}" for f in folders]
            )
        commit = self._commit(snap, files, _text(message), extra_parents, replace)
        return [(self.ref, commit, snap.tip)] if commit is not None else []

    def _commit(
        self,
        snap: Snapshot,
        files: dict[str, bytes | None],
        message: str,
        extra_parents: list[str],
        replace: bool,
    ) -> str | None:
        """The commit adding ``files`` on top of ``snap``; ``None`` when nothing changes."""
        odb = self.repo.odb
        changes: dict[str, str | None] = {}
        tree = snap.tree
        if self.sharded and tree_entry(odb, tree, LAYOUT_PATH) is None:
            files.setdefault(LAYOUT_PATH, codec.dump_bytes(self.layout()))
        for path, data in files.items():
            existing = tree_entry(odb, tree, path)
            if data is None:
                if existing is not None and replace:
                    changes[path] = None
                continue
            check_size(path, len(data), where=f"{self.ref}:{path}")
            blob_id = object_id("blob", data)
            if existing is not None:
                if existing.oid == blob_id:
                    continue
                if not replace:
                    raise RecordExists(
                        f"{self.ref}:{path} already holds a different record "
                        f"({existing.oid} vs new {blob_id}); records are immutable"
                    )
            changes[path] = odb.write_blob(data)
        if not changes:
            return None
        new_tree = apply_changes(odb, tree, changes)
        parents = [snap.tip] if snap.tip is not None else []
        parents.extend(extra_parents)
        signature = self.repo.signature()
        return odb.write_commit(
            new_tree, parents, message, author=signature, committer=signature, flush=False
        )

    def _check_parents(self, extra_parents: Sequence[str]) -> list[str]:
        out: list[str] = []
        for sha in extra_parents:
            if not sha:
                continue
            if not self.repo.has_commit(sha):
                raise GitmlError(
                    f"{self.ref}: extra parent {sha} is not a commit in {self.repo.gitdir}"
                )
            out.append(self.repo.odb.commit(str(sha)).oid)
        return out

    def _lock_path(self) -> Path:
        return lock_path(self.repo, self.ref)

    def _clear_stale_lock(self) -> None:
        """Remove a ``.lock`` left by a killed writer (see refs.STALE_LOCK_SECONDS)."""
        clear_stale_lock(self.repo, self.ref)

    def added_since(self, commit: str | None) -> list[str]:
        """Paths of the blobs the tip holds that ``commit`` did not (all when None)."""
        tip = self.tip()
        if tip is None:
            return []
        odb = self.repo.odb
        old = commit_tree(odb, commit) if commit is not None else None
        return [
            path
            for path, before, after in diff_trees(odb, old, commit_tree(odb, tip))
            if before is None and after is not None
        ]

    def iter_paths(self, under: str | None = None) -> Iterator[tuple[str, str]]:
        """(path, blob id) of every record below ``under`` (default: the prefix)."""
        start = under if under is not None else self.prefix
        found = subtree(self.repo.odb, self.snapshot().tree, start)
        if found is not None:
            yield from _walk(self.repo.odb, found, start)

    def iter_records(self, under: str | None = None) -> Iterator[tuple[str, bytes]]:
        """(path, bytes) of every record below ``under``; large scans read in bulk."""
        paths = list(self.iter_paths(under))
        blobs = read_blobs(self.repo, [oid for _path, oid in paths])
        for (path, _oid), (_same, data) in zip(paths, blobs, strict=True):
            yield path, data

    def history(self, limit: int | None = None) -> Iterator[LogEntry]:
        """The ref's first-parent log, newest first: the audit trail."""
        tip = self.tip()
        count = 0
        odb = self.repo.odb
        while tip is not None and (limit is None or count < limit):
            commit = odb.commit(tip)
            yield LogEntry(
                commit=commit.oid,
                message=commit.message,
                author=commit.author.name,
                email=commit.author.email,
                time=commit.committer.time,
                offset=commit.committer.offset,
            )
            count += 1
            tip = commit.parents[0] if commit.parents else None


class Companion(NamedTuple):
    """A write to a second collection published with the first one: both refs or neither."""

    collection: Collection
    build: Builder
    message: Message
    replace: bool = True
    follows: Callable[[str | None, str | None], None] | None = None
    """Told, before each ``build``, the first write's old tip and the commit it is about
    to publish (its old tip when it changes nothing)."""


def _text(message: Message) -> str:
    return message if isinstance(message, str) else message()


def _first_line(message: str) -> str:
    lines = message.strip().splitlines()
    return lines[0] if lines else "gitml write"


def _walk(odb: ObjectDB, tree: Tree, base: str) -> Iterator[tuple[str, str]]:
    for entry in tree:
        path = f"{base}/{entry.name}" if base else entry.name
        if entry.is_tree:
            yield from _walk(odb, odb.tree(entry.oid), path)
        elif entry.kind == "blob":  # a gitlink holds nothing readable
            yield path, entry.oid


def open_collection(repo: GitRepo, ref: str) -> Collection:
    """The record collection on ``ref`` (one of ``DECLARED``), as it is declared."""
    declared = DECLARED[ref]
    return Collection(repo, ref, declared.prefix, sharded=declared.sharded, fresh=declared.fresh)
