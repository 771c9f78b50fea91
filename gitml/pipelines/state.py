"""What is at a dependency or output path, by content, at the cost of a ``stat``.

Each path gets two digests in one read: DVC's md5 (what ``dvc.lock`` holds, so DVC and
gitml agree on it) and gitml's xxh3-128 (what run records and the content cache use).
A folder's md5 is DVC's: the md5 of the JSON list of ``{"md5", "relpath"}`` of its files,
suffixed ``.dir``; its xxh3 digest is the digest of gitml's file listing, the same value
``git ml run -o`` records for the folder.

Digests are remembered in ``<git dir>/gitml/pipelines/state`` with each file's
``(dev, ino, size, mtime_ns, ctime_ns)`` and each folder's ``(dev, ino, mtime_ns)``: an
unchanged folder is confirmed by statting its folders and files, a changed file is read
again, an added or removed one shows in its folder's ``mtime``. The racy-timestamp rule
of ``gitml.objects.statcache`` applies (a stat newer than the stamp is not trusted). The
file is disposable: any damage means "hash again".
"""

from __future__ import annotations

import marshal
import os
import stat
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

import xxhash

from gitml.atomic import write_atomic
from gitml.data.snapshot import dir_key, trusted
from gitml.errors import GitmlError
from gitml.objects.digest import PREFIX, Digest, open_regular, read_buffer, run_parallel
from gitml.objects.ingest import list_files
from gitml.objects.listing import Entry, encode
from gitml.objects.statcache import StatCache
from gitml.pipelines.errors import PipelineError
from gitml.storage.repo import STATE_DIR

VERSION = 3
FOLDER = "pipelines"
STATE_FILE = "state"


def pipelines_dir(gitdir: Path) -> Path:
    """This work tree's pipeline state folder (``.git/gitml/pipelines``; per work tree)."""
    return gitdir / STATE_DIR / FOLDER


_BATCH = 128


@dataclass(frozen=True, slots=True)
class PathInfo:
    """The content of a file or folder: DVC's md5 and gitml's digest."""

    md5: str  # "<hex>" for a file, "<hex>.dir" for a folder
    digest: str  # xxh3-128 of the file, or of the folder's listing
    size: int
    nfiles: int | None = None  # folders only
    isexec: bool = False

    @property
    def isdir(self) -> bool:
        return self.nfiles is not None

    def lock_fields(self) -> dict[str, Any]:
        """The hash fields of a ``dvc.lock`` entry, in DVC's order."""
        out: dict[str, Any] = {"hash": "md5", "md5": self.md5, "size": self.size}
        if self.nfiles is not None:
            out["nfiles"] = self.nfiles
        if self.isexec:
            out["isexec"] = True
        return out


def _hash_pair(path: str) -> tuple[str, str, os.stat_result]:
    """md5 and xxh3-128 of one file in one pass, and its stat after reading."""
    import hashlib

    fd, _ = open_regular(path)
    try:
        buf = read_buffer()
        view = memoryview(buf)
        md5 = hashlib.md5(usedforsecurity=False)
        xxh = xxhash.xxh3_128()
        while True:
            n = os.readv(fd, [buf])
            if not n:
                break
            md5.update(view[:n])
            xxh.update(view[:n])
        return md5.hexdigest(), xxh.hexdigest(), os.fstat(fd)
    finally:
        os.close(fd)


def _hash_batch(paths: Sequence[str]) -> list[tuple[str, str, os.stat_result]]:
    return [_hash_pair(p) for p in paths]


def hash_many(paths: Sequence[str]) -> dict[str, tuple[str, str, os.stat_result]]:
    """``_hash_pair`` of many files, in parallel batches."""
    tasks = [partial(_hash_batch, paths[i : i + _BATCH]) for i in range(0, len(paths), _BATCH)]
    out: dict[str, tuple[str, str, os.stat_result]] = {}
    for batch, results in zip(
        (paths[i : i + _BATCH] for i in range(0, len(paths), _BATCH)),
        run_parallel(tasks),
        strict=True,
    ):
        out.update(zip(batch, results, strict=True))
    return out


def dir_md5(files: Sequence[tuple[str, str]]) -> str:
    """DVC's folder hash of ``(relpath, md5)`` pairs."""
    import hashlib
    import json

    listing = [{"md5": md5, "relpath": rel} for rel, md5 in sorted(files)]
    data = json.dumps(listing, sort_keys=True).encode("utf-8")
    return hashlib.md5(data, usedforsecurity=False).hexdigest() + ".dir"


def listing_digest(files: Sequence[tuple[str, str, int]]) -> str:
    """gitml's folder digest of ``(relpath, xxh3 hex, size)`` (``gitml.objects.listing``)."""

    entries = [Entry(rel, str.__new__(Digest, PREFIX + hx), size) for rel, hx, size in files]
    return PREFIX + xxhash.xxh3_128_hexdigest(encode(entries))


def _is_exec(mode: int) -> bool:
    return bool(mode & stat.S_IXUSR)


def _key(st: os.stat_result) -> tuple[int, int, int, int, int]:
    """The stat fields that identify a version of a file (``gitml.objects.statcache``'s)."""
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


class State:
    """Path digests of one work tree, remembered across commands."""

    def __init__(self, workdir: Path, gitdir: Path) -> None:
        self.workdir = workdir
        self.state_dir = gitdir / STATE_DIR
        self.path = pipelines_dir(gitdir) / STATE_FILE
        self._entries: dict[str, Any] | None = None
        self._memo: dict[str, PathInfo | None] = {}
        self._dirty = False
        self._stamp: int | None = None

    @property
    def entries(self) -> dict[str, Any]:
        if self._entries is None:
            self._entries = self._load()
        return self._entries

    def _load(self) -> dict[str, Any]:
        try:
            raw = marshal.loads(self.path.read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            return {}
        if (
            isinstance(raw, tuple)
            and len(raw) == 2
            and raw[0] == VERSION
            and isinstance(raw[1], dict)
        ):
            return raw[1]
        return {}

    def save(self) -> None:
        """Write what was learnt (a failure only costs speed later)."""
        if not self._dirty or self._entries is None:
            return
        try:
            write_atomic(self.path, marshal.dumps((VERSION, self._entries)))
            self._dirty = False
        except OSError:
            pass

    def stamp(self) -> int | None:
        if self._stamp is None:
            self._stamp = StatCache(self.state_dir).stamp()
        return self._stamp

    def forget(self, paths: Sequence[str]) -> None:
        """Drop what is known of ``paths`` in this process (they are being rewritten)."""
        for rel in paths:
            self._memo.pop(rel, None)
        for rel in list(self._memo):
            if any(rel.startswith(p + "/") or p.startswith(rel + "/") for p in paths):
                del self._memo[rel]
        self._stamp = None

    def info(self, rel: str) -> PathInfo | None:
        """The content of ``rel`` (repository-relative), or ``None`` if it does not exist."""
        if rel not in self._memo:
            self._memo[rel] = self._info(rel)
        return self._memo[rel]

    def _info(self, rel: str) -> PathInfo | None:
        full = f"{self.workdir}/{rel}"
        try:
            st = os.stat(full)  # noqa: PTH116 - hot path
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise PipelineError(f"cannot read '{rel}': {exc.strerror}") from None
        if stat.S_ISDIR(st.st_mode):
            return self._folder(rel)
        if not stat.S_ISREG(st.st_mode):
            raise PipelineError(f"'{rel}' is not a regular file or folder")
        key = _key(st)
        entry = self.entries.get(rel)
        if entry is not None and entry[0] == "f" and entry[1] is not None and entry[1] == key:
            _, _, md5, hx, size, isexec = entry
            return PathInfo(md5=md5, digest=PREFIX + hx, size=size, nfiles=None, isexec=isexec)
        stamp = self.stamp()
        md5, hx, after = hash_many([full])[full]
        isexec = _is_exec(after.st_mode)
        self.entries[rel] = (
            "f",
            trusted(_key(after), stamp),
            md5,
            hx,
            after.st_size,
            isexec,
        )
        self._dirty = True
        return PathInfo(md5=md5, digest=PREFIX + hx, size=after.st_size, nfiles=None, isexec=isexec)

    def _folder(self, rel: str, *, rewalk: bool = False) -> PathInfo:
        """A folder's digests; its files' stats are compared as one packed blob."""
        entry = self.entries.get(rel)
        prefix = f"{self.workdir}/"
        old: _Folder | None = None
        if entry is not None and entry[0] == "d" and len(entry) == len(_Folder._fields) + 1:
            old = _Folder(*entry[1:])
        walk = rewalk or old is None or not _dirs_unchanged(prefix, old.dirs)
        stamp = self.stamp()
        if walk or old is None:
            files, dirs = self._walk(rel, prefix, stamp)
        else:
            files, dirs = old.names.split("\0") if old.names else [], old.dirs
        base = f"{prefix}{rel}/"
        blob = bytearray()
        present: list[str] = []
        stat_of, pack = os.stat, _STAT.pack
        for name in files:
            try:
                st = stat_of(base + name)
            except FileNotFoundError:
                if walk:  # removed while we listed: it is not part of the folder
                    continue
                return self._folder(rel, rewalk=True)
            present.append(name)
            blob += pack(st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        if old is not None and not walk and blob == old.stats:
            return PathInfo(md5=old.md5, digest=PREFIX + old.hx, size=old.size, nfiles=old.nfiles)
        folder = _rebuild(base, present, bytes(blob), old, dirs, stamp)
        self.entries[rel] = ("d", *folder)
        self._dirty = True
        return PathInfo(
            md5=folder.md5, digest=PREFIX + folder.hx, size=folder.size, nfiles=folder.nfiles
        )

    def file_hexes(self, rel: str) -> list[str] | None:
        """The xxh3 hex digests of a folder's files as last seen (``None``: not known)."""
        entry = self.entries.get(rel)
        if entry is None or entry[0] != "d":
            return None
        xxhs = _Folder(*entry[1:]).xxhs
        return [xxhs[i : i + 16].hex() for i in range(0, len(xxhs), 16)]

    def _walk(self, rel: str, prefix: str, stamp: int | None) -> tuple[list[str], DirKeys]:
        found_dirs: list[str] = []
        try:
            names = list_files(self.workdir, [rel], dirs=found_dirs)
        except (GitmlError, OSError) as exc:
            raise PipelineError(f"cannot list '{rel}': {exc}") from None
        dirs: DirKeys = {}
        for d in found_dirs:
            try:
                dirs[d] = dir_key(os.stat(prefix + d), stamp)  # noqa: PTH116
            except OSError:
                dirs[d] = (-1, -1, -1)
        cut = len(rel) + 1
        return [n[cut:] for n in names], dirs


DirKeys = dict[str, tuple[int, int, int]]
_STAT = struct.Struct("<QQQqq")  # dev, ino, size, mtime_ns, ctime_ns
_UNTRUSTED = bytes(_STAT.size)  # never equal to a real stat: the file is read again


class _Folder(NamedTuple):
    """What is stored for a folder: its files as packed columns, loaded in one piece."""

    dirs: DirKeys
    names: str  # "\0"-joined, relative to the folder
    stats: bytes  # _STAT records, one per file
    md5s: bytes  # 16 bytes per file
    xxhs: bytes  # 16 bytes per file
    execs: bytes  # 1 byte per file
    md5: str
    hx: str
    size: int
    nfiles: int


def _rebuild(
    base: str,
    names: list[str],
    blob: bytes,
    old: _Folder | None,
    dirs: DirKeys,
    stamp: int | None,
) -> _Folder:
    """The folder's record from the current stats, reading only files that changed."""
    size_of = _STAT.size
    previous: dict[str, int] = {}
    if old is not None and old.names:
        previous = {n: i for i, n in enumerate(old.names.split("\0"))}
    reuse: dict[int, int] = {}
    stale: list[str] = []
    for i, name in enumerate(names):
        j = previous.get(name)
        if (
            j is not None
            and old is not None
            and old.stats[j * size_of : (j + 1) * size_of] == blob[i * size_of : (i + 1) * size_of]
        ):
            reuse[i] = j
        else:
            stale.append(name)
    hashed = hash_many([base + n for n in stale])
    stats, md5s, xxhs, execs = bytearray(), bytearray(), bytearray(), bytearray()
    sizes: list[int] = []
    for i, name in enumerate(names):
        j = reuse.get(i)
        if j is not None and old is not None:
            stats += old.stats[j * size_of : (j + 1) * size_of]
            md5s += old.md5s[j * 16 : (j + 1) * 16]
            xxhs += old.xxhs[j * 16 : (j + 1) * 16]
            execs += old.execs[j : j + 1]
            sizes.append(_STAT.unpack_from(blob, i * size_of)[2])
            continue
        md5_hex, xxh_hex, after = hashed[base + name]
        key = trusted(_key(after), stamp)
        stats += _STAT.pack(*key) if key is not None else _UNTRUSTED
        md5s += bytes.fromhex(md5_hex)
        xxhs += bytes.fromhex(xxh_hex)
        execs.append(1 if _is_exec(after.st_mode) else 0)
        sizes.append(after.st_size)
    md5_list = [md5s[i * 16 : (i + 1) * 16].hex() for i in range(len(names))]
    xxh_list = [xxhs[i * 16 : (i + 1) * 16].hex() for i in range(len(names))]
    return _Folder(
        dirs=dirs,
        names="\0".join(names),
        stats=bytes(stats),
        md5s=bytes(md5s),
        xxhs=bytes(xxhs),
        execs=bytes(execs),
        md5=dir_md5(list(zip(names, md5_list, strict=True))),
        hx=listing_digest(list(zip(names, xxh_list, sizes, strict=True)))[len(PREFIX) :],
        size=sum(sizes),
        nfiles=len(names),
    )


def _dirs_unchanged(prefix: str, dirs: dict[str, tuple[int, int, int]]) -> bool:
    for rel, key in dirs.items():
        try:
            st = os.stat(prefix + rel)  # noqa: PTH116 - one per folder
        except OSError:
            return False
        if (st.st_dev, st.st_ino, st.st_mtime_ns) != key:
            return False
    return True
