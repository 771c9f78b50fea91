"""Git objects through git plumbing: read by one long-lived ``cat-file --batch``, written
as one pack per ``flush`` through ``git unpack-objects``.

Blobs, trees and commits are built here as bytes and their ids computed before anything
is written (so a tree can name subtrees that are written with it); ``flush`` sends what
is pending to git as one pack, every kind at once, which git stores as loose objects.
A new commit is never published before ``flush`` (``write_commit`` flushes unless told
not to, for a caller that flushes several commits at once before publishing them).
Work-tree files are stored by ``hash-object --stdin-paths`` instead, with the
repository's filters (``hash_files``).
"""

import os
import subprocess
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from gitml.errors import GitmlError
from gitml.storage.git import GitObject, ObjectReader, end_input, last_line, start_long_lived

MODE_BLOB = "100644"
MODE_EXEC = "100755"
MODE_LINK = "120000"
MODE_TREE = "40000"
MODE_COMMIT = "160000"
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
_PACK_TYPES = {"commit": 1, "tree": 2, "blob": 3}


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


def pack_of(objects: Iterable[tuple[str, bytes]]) -> bytes:
    """A version-2 pack of whole objects ((kind, body) each), as ``unpack-objects`` reads it."""
    import hashlib
    import zlib

    items = list(objects)
    parts = [b"PACK" + (2).to_bytes(4, "big") + len(items).to_bytes(4, "big")]
    for kind, body in items:
        size = len(body)
        byte = _PACK_TYPES[kind] << 4 | size & 0x0F
        size >>= 4
        header = bytearray()
        while size:
            header.append(byte | 0x80)
            byte = size & 0x7F
            size >>= 7
        header.append(byte)
        parts += (bytes(header), zlib.compress(body, 1))
    data = b"".join(parts)
    return data + hashlib.sha1(data).digest()


class _PackWriter:
    """``git unpack-objects``: stores the objects of one pack as loose objects, then exits.

    ``start`` runs the next one ahead, so its start-up overlaps other work.
    """

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.proc: subprocess.Popen[bytes] | None = None
        self.pid = 0

    def start(self) -> None:
        if self.proc is None or self.proc.poll() is not None or self.pid != os.getpid():
            self.proc = start_long_lived(
                self,
                self.cwd,
                "unpack-objects",
                "-q",
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            self.pid = os.getpid()

    def write(self, objects: Iterable[tuple[str, bytes]]) -> str | None:
        """Store ``objects`` ((kind, body) each); git's complaint when it could not."""
        self.start()
        proc, self.proc = self.proc, None
        assert proc is not None
        try:
            _, err = proc.communicate(pack_of(objects))
        except OSError as exc:
            proc.kill()
            proc.wait()
            return str(exc)
        return None if proc.returncode == 0 else last_line(err)

    def close(self) -> None:
        """Stop a writer started ahead and never used (it stores nothing)."""
        proc, self.proc = self.proc, None
        if proc is not None and self.pid == os.getpid():
            proc.kill()
            proc.wait()
            end_input(proc)
            if proc.stderr is not None:
                proc.stderr.close()


class _FileWriter:
    """A long-lived ``git hash-object -w --stdin-paths``: work-tree files, filters applied."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.proc: subprocess.Popen[bytes] | None = None
        self.pid = 0

    def hash_path(self, path: str) -> str | None:
        """The blob id of the file at ``path``; None when git could not read it (git then
        stops, and the next file starts a new one)."""
        if self.proc is None or self.proc.poll() is not None or self.pid != os.getpid():
            self.proc = start_long_lived(self, self.cwd, "hash-object", "-w", "--stdin-paths")
            self.pid = os.getpid()
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        try:
            self.proc.stdin.write(os.fsencode(path) + b"\n")
            self.proc.stdin.flush()
        except OSError:
            pass
        line = self.proc.stdout.readline().strip()
        if not line:
            self.close()
            return None
        return line.decode()

    def close(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and self.pid == os.getpid():
            end_input(proc)
            proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()


class ObjectDB:
    """Reads and writes the objects of one repository (``cwd``: its work tree or git dir)."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.reader = ObjectReader(cwd)
        self._trees: dict[str, Tree] = {}
        self._commits: dict[str, Commit] = {}
        self._pending: dict[str, tuple[str, bytes]] = {}
        self._packs = _PackWriter(cwd)
        self._files = _FileWriter(cwd)
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
        commit = self.find_commit(name)
        if commit is None:
            raise KeyError(name)
        self._commits[commit.oid] = commit
        return commit

    def find_commit(self, name: str) -> Commit | None:
        """``commit``'s answer read past the cache and not kept in it (a walk over more
        commits than it should hold); None when ``name`` names no commit."""
        found = self.reader.read(name)
        if found is not None and found.kind == "tag":
            found = self.reader.read(f"{name}^{{commit}}")
        if found is None or found.kind != "commit":
            return None
        return parse_commit(found.oid, found.data)

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

        With ``flush=False`` it stays pending: the caller flushes before publishing it.
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
        """Write every pending object, as one pack; ObjectWriteError when git cannot.

        git stores what the pack holds without checking what it names, and computes each
        id with the repository's hash: a SHA-256 repository refuses the SHA-1 pack. What a
        failed flush could not write stays pending: it may be another writer's (a thread of
        the same process), which flushes next and must not find its objects gone.
        """
        with self._lock:
            pending, self._pending = self._pending, {}
            if not pending:
                return
            error = self._packs.write(pending.values())
            if error is not None:
                self._pending = pending
                raise ObjectWriteError(
                    f"{self.cwd}: git could not write {len(pending)} objects ({error}); check "
                    "that .git is writable and the disk is not full (SHA-256 repositories are "
                    "not supported)"
                )

    def start_writers(self) -> None:
        """Start the next object writer now, to overlap its start-up with other work."""
        self._packs.start()

    def hash_files(self, paths: Sequence[str]) -> list[str | None]:
        """Blob ids of work-tree files (relative paths), written with git's filters applied."""
        return [self._files.hash_path(path) for path in paths]

    def close(self) -> None:
        self.reader.close()
        self._packs.close()
        self._files.close()


def walk_first_parents(
    odb: ObjectDB, tip: str, *, shallow: frozenset[str] = frozenset()
) -> Iterator[Commit]:
    """``tip`` and its first-parent ancestors, newest first, ending at a root or at one of
    a shallow clone's ``shallow`` commits (whose parents it does not have)."""
    oid: str | None = tip
    while oid is not None:
        commit = odb.commit(oid)
        yield commit
        oid = commit.parents[0] if commit.parents and oid not in shallow else None
