"""Git objects through git plumbing: read by one long-lived ``cat-file --batch``, written by
one ``unpack-objects`` per write (or long-lived ``hash-object --stdin-paths`` writers a
command starts early to overlap their start-up with its work).

Trees and commits are built here as bytes and their ids computed before anything is
written (so a tree can name subtrees that are written with it); ``flush`` writes what is
pending, blobs before trees before commits, and checks that git computed the same ids.
A new commit is never published before ``flush`` (``write_commit`` flushes).
"""

from __future__ import annotations

import itertools
import os
import subprocess
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from gitml.errors import GitmlError
from gitml.storage.git import GitObject, ObjectReader, last_line, run_git, start_long_lived

MODE_BLOB = "100644"
MODE_EXEC = "100755"
MODE_LINK = "120000"
MODE_TREE = "40000"
MODE_COMMIT = "160000"
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
_KINDS = ("blob", "tree", "commit")
_CHUNK = 200  # answers git may buffer in its pipe before we read them
_counter = itertools.count()


class ObjectWriteError(GitmlError):
    """git could not write an object (a full disk, a read-only .git, a racing gc)."""


def object_id(kind: str, body: bytes) -> str:
    """The id git gives an object of ``kind`` with this content."""
    import hashlib  # OpenSSL's bindings: only commands that write objects load them

    return hashlib.sha1(b"%s %d\0" % (kind.encode(), len(body)) + body).hexdigest()


class TreeEntry(NamedTuple):
    name: str
    mode: str
    oid: str

    @property
    def is_tree(self) -> bool:
        return self.mode == MODE_TREE

    @property
    def kind(self) -> str:
        return {MODE_TREE: "tree", MODE_COMMIT: "commit"}.get(self.mode, "blob")


class Tree:
    """A tree's entries by name (read-only)."""

    def __init__(self, oid: str, entries: Mapping[str, TreeEntry]) -> None:
        self.oid = oid
        self.entries = dict(entries)

    def __iter__(self) -> Iterator[TreeEntry]:
        return iter(self.entries.values())

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, name: str) -> TreeEntry | None:
        return self.entries.get(name)


def parse_tree(oid: str, body: bytes) -> Tree:
    entries: dict[str, TreeEntry] = {}
    pos = 0
    while pos < len(body):
        space = body.index(b" ", pos)
        nul = body.index(b"\0", space)
        name = os.fsdecode(body[space + 1 : nul])
        entries[name] = TreeEntry(name, body[pos:space].decode(), body[nul + 1 : nul + 21].hex())
        pos = nul + 21
    return Tree(oid, entries)


def tree_body(entries: Iterable[TreeEntry]) -> bytes:
    """Entries in git's order (a subtree sorts as if its name ended in ``/``)."""

    def key(entry: TreeEntry) -> bytes:
        name = os.fsencode(entry.name)
        return name + b"/" if entry.is_tree else name

    return b"".join(
        f"{e.mode} ".encode() + os.fsencode(e.name) + b"\0" + bytes.fromhex(e.oid)
        for e in sorted(entries, key=key)
    )


class Signature(NamedTuple):
    """A name, an email and a time (seconds since the epoch, offset in minutes east of UTC)."""

    name: str
    email: str
    time: int
    offset: int

    def line(self) -> bytes:
        sign = "-" if self.offset < 0 else "+"
        hours, minutes = divmod(abs(self.offset), 60)
        return f"{self.name} <{self.email}> {self.time} {sign}{hours:02d}{minutes:02d}".encode()


def parse_signature(text: str) -> Signature:
    """``Name <email> 1700000000 +0100`` as git writes it."""
    name, _, rest = text.partition(" <")
    email, _, when = rest.partition("> ")
    stamp, _, zone = when.partition(" ")
    offset = 0
    if len(zone) == 5 and zone[1:].isdigit():
        offset = (int(zone[1:3]) * 60 + int(zone[3:])) * (-1 if zone[0] == "-" else 1)
    return Signature(
        name=name, email=email, time=int(stamp) if stamp.isdigit() else 0, offset=offset
    )


class Commit(NamedTuple):
    oid: str
    tree: str
    parents: tuple[str, ...]
    author: Signature
    committer: Signature
    message: str


def parse_commit(oid: str, body: bytes) -> Commit:
    head, _, message = body.partition(b"\n\n")
    tree, parents, people = "", [], {}
    for line in head.decode("utf-8", "replace").split("\n"):
        key, _, value = line.partition(" ")
        if key == "tree":
            tree = value
        elif key == "parent":
            parents.append(value)
        elif key in ("author", "committer"):
            people[key] = parse_signature(value)
    nobody = Signature(name="", email="", time=0, offset=0)
    return Commit(
        oid=oid,
        tree=tree,
        parents=tuple(parents),
        author=people.get("author", nobody),
        committer=people.get("committer", nobody),
        message=message.decode("utf-8", "replace"),
    )


_PACK_KINDS = {"commit": 1, "tree": 2, "blob": 3}


def pack_of(objects: Iterable[tuple[str, bytes]]) -> bytes:
    """A version-2 pack holding ``(kind, body)`` objects whole (no deltas), as git reads it."""
    import hashlib
    import zlib

    items = list(objects)
    parts = [b"PACK" + (2).to_bytes(4, "big") + len(items).to_bytes(4, "big")]
    for kind, body in items:
        size = len(body)
        head = bytearray([(_PACK_KINDS[kind] << 4) | (size & 0x0F)])
        size >>= 4
        while size:
            head[-1] |= 0x80
            head.append(size & 0x7F)
            size >>= 7
        parts.append(bytes(head) + zlib.compress(body, 1))
    data = b"".join(parts)
    return data + hashlib.sha1(data).digest()


def _not_written(cwd: Path, oid: str, kind: str, reason: str) -> str:
    said = f" ({reason})" if reason else ""
    return (
        f"{cwd}: git could not write object {oid} ({kind}){said}; check that .git is "
        "writable and the disk is not full (SHA-256 repositories are not supported)"
    )


class _Writer:
    """A long-lived ``git hash-object -w --stdin-paths`` for one object kind."""

    def __init__(self, cwd: Path, args: Sequence[str]) -> None:
        self.cwd = cwd
        self.args = args
        self.proc: subprocess.Popen[bytes] | None = None
        self.pid = 0

    def _started(self) -> subprocess.Popen[bytes]:
        if self.proc is None or self.proc.poll() is not None or self.pid != os.getpid():
            self.proc = start_long_lived(
                self, self.cwd, "hash-object", "-w", "--stdin-paths", *self.args
            )
            self.pid = os.getpid()
        return self.proc

    @property
    def running(self) -> bool:
        """Whether this process started git and it is still there."""
        return self.proc is not None and self.pid == os.getpid() and self.proc.poll() is None

    def send(self, paths: Sequence[str]) -> None:
        """Ask for the ids of ``paths`` (at most ``_CHUNK``); ``receive`` collects them."""
        proc = self._started()
        assert proc.stdin is not None
        try:
            proc.stdin.write(b"".join(os.fsencode(p) + b"\n" for p in paths))
            proc.stdin.flush()
        except OSError:
            pass

    def receive(self, count: int) -> list[str | None]:
        """The ``count`` answers asked for; None where git could not read a file."""
        assert self.proc is not None
        assert self.proc.stdout is not None
        out: list[str | None] = []
        for _ in range(count):
            line = self.proc.stdout.readline().strip()
            if not line:  # git stopped (an unreadable file): the rest is unanswered
                self.close()
                return out + [None] * (count - len(out))
            out.append(line.decode())
        return out

    def hash_paths(self, paths: Sequence[str]) -> list[str | None]:
        """The ids of the files at ``paths``; None where git could not read one."""
        out: list[str | None] = []
        for start in range(0, len(paths), _CHUNK):
            chunk = paths[start : start + _CHUNK]
            self.send(chunk)
            out.extend(self.receive(len(chunk)))
        return out

    def close(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and self.pid == os.getpid():
            if proc.stdin is not None:
                proc.stdin.close()
            proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()


class ObjectDB:
    """Reads and writes the objects of one repository (``cwd``: its work tree or git dir)."""

    def __init__(self, cwd: Path, scratch: Path) -> None:
        self.cwd = cwd
        self.scratch = scratch
        self.reader = ObjectReader(cwd)
        self._trees: dict[str, Tree] = {}
        self._commits: dict[str, Commit] = {}
        self._pending: dict[str, tuple[str, bytes]] = {}
        self._writers: dict[str, _Writer] = {}
        self._scratch_ready = False
        self._lock = threading.RLock()

    # reading

    def read(self, name: str) -> GitObject | None:
        return self.reader.read(name)

    def prefetch(self, names: Sequence[str]) -> None:
        """Read the commits and trees ``names`` name in one round trip, for later lookups."""
        for found in self.reader.read_all(names):
            if found is None:
                continue
            if found.kind == "tree":
                self._trees.setdefault(found.oid, parse_tree(found.oid, found.data))
            elif found.kind == "commit":
                self._commits.setdefault(found.oid, parse_commit(found.oid, found.data))

    def tree(self, oid: str) -> Tree:
        tree = self._trees.get(oid)
        if tree is None:
            if oid == EMPTY_TREE:
                return Tree(oid, {})
            found = self._pending.get(oid)
            body = found[1] if found is not None else self._body(oid, "tree")
            tree = self._trees[oid] = parse_tree(oid, body)
        return tree

    def commit(self, name: str) -> Commit:
        """The commit ``name`` names (a commit id, a ref); tags are followed."""
        cached = self._commits.get(name)
        if cached is not None:
            return cached
        found = self.reader.read(name)
        if found is not None and found.kind == "tag":
            found = self.reader.read(f"{name}^{{commit}}")
        if found is None or found.kind != "commit":
            raise KeyError(name)
        commit = parse_commit(found.oid, found.data)
        self._commits[found.oid] = commit
        return commit

    def blob(self, oid: str) -> bytes:
        found = self._pending.get(oid)
        return found[1] if found is not None else self._body(oid, "blob")

    def _body(self, oid: str, kind: str) -> bytes:
        found = self.reader.read(oid)
        if found is None or found.kind != kind:
            raise KeyError(oid)
        return found.data

    # writing

    def write_blob(self, data: bytes) -> str:
        return self._add("blob", data)

    def write_tree(self, entries: Iterable[TreeEntry]) -> str:
        body = tree_body(entries)
        oid = self._add("tree", body)
        self._trees.setdefault(oid, parse_tree(oid, body))
        return oid

    def write_commit(
        self,
        tree: str,
        parents: Sequence[str],
        message: str,
        *,
        author: Signature,
        committer: Signature,
        flush: bool = True,
    ) -> str:
        """Write a commit (and everything pending it may name); returns its id.

        ``flush=False`` leaves it pending, for a caller that writes more before it publishes
        (it must ``flush`` first).
        """
        lines = [b"tree " + tree.encode()]
        lines += [b"parent " + p.encode() for p in parents]
        lines += [b"author " + author.line(), b"committer " + committer.line()]
        body = b"\n".join(lines) + b"\n\n" + message.encode("utf-8")
        oid = self._add("commit", body)
        if flush:
            self.flush()
        return oid

    def _add(self, kind: str, body: bytes) -> str:
        oid = object_id(kind, body)
        with self._lock:
            self._pending.setdefault(oid, (kind, body))
        return oid

    def flush(self) -> None:
        """Write every pending object; ObjectWriteError when git cannot write them.

        With the writers started (``start_writers``, a command that overlaps their start-up
        with other work) git checks each object's format, not that what it names exists, so
        a small batch goes to the three writers at once, a large one kind after kind, blobs
        first; otherwise every pending object goes to one ``git unpack-objects``.
        """
        with self._lock:
            pending, self._pending = self._pending, {}
            if not pending:
                return
            if not any(w.running for k, w in self._writers.items() if k in _KINDS):
                self._unpack(pending)
                return
            batches = {
                kind: [(oid, body) for oid, (k, body) in pending.items() if k == kind]
                for kind in _KINDS
            }
            batches = {kind: items for kind, items in batches.items() if items}
            if not self._scratch_ready:
                self.scratch.mkdir(parents=True, exist_ok=True)
                self._scratch_ready = True
            files = {kind: self._files(items) for kind, items in batches.items()}
            try:
                if all(len(items) <= _CHUNK for items in batches.values()):
                    for kind, paths in files.items():
                        self._writer(kind).send([str(p) for p in paths])
                    got = {k: self._writer(k).receive(len(p)) for k, p in files.items()}
                else:
                    got = {
                        k: self._writer(k).hash_paths([str(p) for p in paths])
                        for k, paths in files.items()
                    }
            finally:
                for paths in files.values():
                    for path in paths:
                        path.unlink(missing_ok=True)
            for kind, items in batches.items():
                for (oid, _body), written in zip(items, got[kind], strict=True):
                    if written != oid:
                        self._writer(kind).close()
                        raise ObjectWriteError(_not_written(self.cwd, oid, kind, ""))

    def _unpack(self, pending: Mapping[str, tuple[str, bytes]]) -> None:
        """Write ``pending`` (id -> kind, body) with one ``git unpack-objects`` reading them
        as a pack; git computes every id again and refuses a pack whose ids it does not
        (an object it already has is left as it is)."""
        proc = run_git(self.cwd, "unpack-objects", "-q", input=pack_of(pending.values()))
        if proc.returncode != 0:
            oid, (kind, _body) = next(iter(pending.items()))
            raise ObjectWriteError(_not_written(self.cwd, oid, kind, last_line(proc.stderr)))

    def _files(self, items: Sequence[tuple[str, bytes]]) -> list[Path]:
        files = []
        for _oid, body in items:
            path = self.scratch / f"obj-{os.getpid()}-{next(_counter)}"
            path.write_bytes(body)
            files.append(path)
        return files

    def start_writers(self) -> None:
        """Start the object writers now (a commit needs all three), to overlap their start-up."""
        for kind in _KINDS:
            self._writer(kind)._started()

    def _writer(self, kind: str) -> _Writer:
        writer = self._writers.get(kind)
        if writer is None:
            writer = self._writers[kind] = _Writer(self.cwd, ("--no-filters", "-t", kind))
        return writer

    def hash_files(self, paths: Sequence[str]) -> list[str | None]:
        """Blob ids of work-tree files (relative paths), written with git's filters applied."""
        writer = self._writers.get("file")
        if writer is None:
            writer = self._writers["file"] = _Writer(self.cwd, ())
        out: list[str | None] = []
        for path in paths:  # one at a time: a file that vanished ends git's run
            out.extend(writer.hash_paths([path]))
        return out

    def close(self) -> None:
        self.reader.close()
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()


def walk_first_parents(odb: ObjectDB, tip: str) -> Iterator[Commit]:
    """``tip`` and its first-parent ancestors, newest first."""
    oid: str | None = tip
    while oid is not None:
        commit = odb.commit(oid)
        yield commit
        oid = commit.parents[0] if commit.parents else None
