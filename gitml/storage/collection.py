"""A collection: one ref whose commits hold a tree of immutable records.

Every write is a commit whose first parent is the old tip, published by compare-and-swap;
on a conflict the change is rebuilt on the new tip and retried with jittered backoff, so
concurrent writers (processes or libgit2 and git alike) never lose a record.
"""

from __future__ import annotations

import errno
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pygit2
import xxhash

from gitml.errors import GitmlError, RefConflict, WriteFailed, write_failure
from gitml.records import codec
from gitml.storage import housekeeping, refs
from gitml.storage.blobs import read_blobs
from gitml.storage.refs import backoff, clear_stale_lock, lock_path, read_ref, update_ref
from gitml.storage.repo import GitRepo
from gitml.storage.trees import apply_changes, commit_tree, read_blob, tree_entry

LAYOUT_PATH = "layout.toml"
OBJECT_WRITE_ATTEMPTS = 5


class RecordExists(GitmlError):
    """A write would replace an existing record with different bytes."""


def object_write_failed(repo: GitRepo, exc: Exception, failures: int) -> int:
    """Count a failed object write and wait before the retry; give up after a few.

    A concurrent ``git gc`` (prune-packed) may remove an empty ``objects/xx/`` directory
    between libgit2 creating it and moving a new object into it. A full or read-only disk
    is not retried.
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


def check_stored(repo: GitRepo, oid: pygit2.Oid, what: str) -> pygit2.Oid:
    """``oid``, once the object database is seen to hold it.

    On a full disk libgit2 has been seen to return the id of a commit it never stored; a
    ref moved to it would point at nothing.
    """
    if oid in repo.raw:
        return oid
    fs = os.statvfs(repo.commondir)
    free = fs.f_bavail * fs.f_frsize
    code = errno.ENOSPC if free < 1 << 20 else errno.EIO
    raise WriteFailed(
        f"cannot write {what}: git did not store object {oid} ({os.strerror(code)}); "
        "check that the disk has free space and .git is writable, then run again",
        code,
    )


def shard_of(record_id: str) -> str:
    """Two hex chars of a hash of the id: spreads time-ordered ids evenly."""
    return xxhash.xxh3_64_hexdigest(record_id.encode("utf-8"))[:2]


@dataclass(frozen=True)
class Snapshot:
    """A collection as of one tip commit (``tip=None``: the ref does not exist)."""

    repo: GitRepo
    ref: str
    tip: pygit2.Oid | None

    @cached_property
    def tree(self) -> pygit2.Tree | None:
        if self.tip is None:
            return None
        return commit_tree(self.repo.raw, self.tip)

    def read(self, path: str) -> bytes | None:
        return read_blob(self.tree, path)

    def exists(self, path: str) -> bool:
        return tree_entry(self.tree, path) is not None

    def listdir(self, path: str) -> list[str]:
        obj = tree_entry(self.tree, path) if path else self.tree
        if not isinstance(obj, pygit2.Tree):
            return []
        return [entry.name for entry in obj if entry.name is not None]


Builder = Callable[[Snapshot], Mapping[str, bytes | None]]


@dataclass(frozen=True)
class LogEntry:
    commit: str
    message: str
    author: str
    email: str
    time: int
    offset: int


class Collection:
    """Records under one ref; paths start with ``prefix`` (``runs``, ``data``, ...)."""

    def __init__(self, repo: GitRepo, ref: str, prefix: str, *, sharded: bool = True) -> None:
        self.repo = repo
        self.ref = ref
        self.prefix = prefix
        self.sharded = sharded

    def record_path(self, record_id: str, *, under: str = "") -> str:
        """Where a record with this id lives (``runs/ab/<id>.toml``)."""
        base = f"{self.prefix}/{under}" if under else self.prefix
        if self.sharded:
            return f"{base}/{shard_of(record_id)}/{record_id}.toml"
        return f"{base}/{record_id}.toml"

    def layout(self) -> dict[str, object]:
        return {
            "schema": "gitml/layout/1",
            "collection": self.prefix,
            "fanout": 1 if self.sharded else 0,
            "shard": "xxh3-64:2" if self.sharded else "none",
        }

    def tip(self) -> pygit2.Oid | None:
        return read_ref(self.repo, self.ref)

    def snapshot(self) -> Snapshot:
        return Snapshot(self.repo, self.ref, self.tip())

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
        message: str,
        *,
        extra_parents: Sequence[str] = (),
        replace: bool = False,
    ) -> str:
        """Commit the files ``build(snapshot)`` returns; retried on conflict.

        ``build`` is called again on each retry with the new snapshot, so it may derive
        paths from what is there (sequence numbers). Returns the new (or unchanged) tip.
        Records are immutable: a different blob at an existing path raises RecordExists
        unless ``replace`` is set (derived data such as notes, where ``None`` deletes).
        """
        signature = self.repo.signature()
        parents_extra = self._check_parents(extra_parents)
        deadline = time.monotonic() + refs.RETRY_SECONDS
        attempt = 0
        object_failures = 0
        while True:
            snap = self.snapshot()
            files = dict(build(snap))
            try:
                commit = self._commit(snap, files, message, signature, parents_extra, replace)
            except (OSError, pygit2.GitError) as exc:
                object_failures = object_write_failed(self.repo, exc, object_failures)
                continue
            if commit is None:
                return str(snap.tip) if snap.tip is not None else ""
            try:
                update_ref(self.repo, self.ref, commit, snap.tip, _first_line(message))
            except RefConflict:
                if time.monotonic() > deadline:
                    raise RefConflict(
                        f"{self.ref}: could not write for {refs.RETRY_SECONDS:.0f} s; if no other "
                        f"git process is running, remove {self._lock_path()} and retry"
                    ) from None
                self._clear_stale_lock()
                backoff(attempt)
                attempt += 1
                continue
            housekeeping.note_write(self.repo)
            return str(commit)

    def _commit(
        self,
        snap: Snapshot,
        files: dict[str, bytes | None],
        message: str,
        signature: pygit2.Signature,
        extra_parents: list[pygit2.Oid],
        replace: bool,
    ) -> pygit2.Oid | None:
        """The commit adding ``files`` on top of ``snap``; ``None`` when nothing changes."""
        raw = self.repo.raw
        changes: dict[str, pygit2.Oid | None] = {}
        tree = snap.tree
        if self.sharded and tree_entry(tree, LAYOUT_PATH) is None:
            files.setdefault(LAYOUT_PATH, codec.dump_bytes(self.layout()))
        for path, data in files.items():
            existing = tree_entry(tree, path)
            if data is None:
                if existing is not None and replace:
                    changes[path] = None
                continue
            blob_id = raw.create_blob(data)
            if existing is not None:
                if existing.id == blob_id:
                    continue
                if not replace:
                    raise RecordExists(
                        f"{self.ref}:{path} already holds a different record "
                        f"({existing.id} vs new {blob_id}); records are immutable"
                    )
            changes[path] = blob_id
        if not changes:
            return None
        new_tree = apply_changes(raw, tree, changes)
        parents = [snap.tip] if snap.tip is not None else []
        parents.extend(extra_parents)
        commit = raw.create_commit(None, signature, signature, message, new_tree, parents)
        return check_stored(self.repo, commit, f"a commit of {self.ref}")

    def _check_parents(self, extra_parents: Sequence[str]) -> list[pygit2.Oid]:
        out: list[pygit2.Oid] = []
        for sha in extra_parents:
            if not sha:
                continue
            if not self.repo.has_commit(sha):
                raise GitmlError(
                    f"{self.ref}: extra parent {sha} is not a commit in {self.repo.gitdir}"
                )
            out.append(self.repo.raw[sha].id)
        return out

    def _lock_path(self) -> Path:
        return lock_path(self.repo, self.ref)

    def _clear_stale_lock(self) -> None:
        """Remove a ``.lock`` left by a killed writer (see refs.STALE_LOCK_SECONDS)."""
        clear_stale_lock(self.repo, self.ref)

    def iter_paths(self, under: str | None = None) -> Iterator[tuple[str, pygit2.Oid]]:
        """(path, blob id) of every record below ``under`` (default: the prefix)."""
        tree = self.snapshot().tree
        start = under if under is not None else self.prefix
        obj = tree_entry(tree, start) if start else tree
        if not isinstance(obj, pygit2.Tree):
            return
        yield from _walk(self.repo.raw, obj, start)

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
        raw = self.repo.raw
        while tip is not None and (limit is None or count < limit):
            commit = raw[tip].peel(pygit2.Commit)
            yield LogEntry(
                commit=str(commit.id),
                message=commit.message,
                author=commit.author.name,
                email=commit.author.email,
                time=commit.commit_time,
                offset=commit.commit_time_offset,
            )
            count += 1
            tip = commit.parent_ids[0] if commit.parent_ids else None


def _first_line(message: str) -> str:
    lines = message.strip().splitlines()
    return lines[0] if lines else "gitml write"


def _walk(raw: pygit2.Repository, tree: pygit2.Tree, base: str) -> Iterator[tuple[str, pygit2.Oid]]:
    for entry in tree:
        path = f"{base}/{entry.name}" if base else str(entry.name)
        if entry.type_str == "tree":
            sub = raw[entry.id]
            assert isinstance(sub, pygit2.Tree)
            yield from _walk(raw, sub, path)
        else:
            yield path, entry.id
