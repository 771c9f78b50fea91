"""Status snapshots: a clean dataset is confirmed with one ``stat`` per file and folder.

After a status finds a dataset clean, gitml keeps what it saw in
``<git dir>/gitml/status/<name>.snap``: the manifest it matched, every folder's
``(dev, ino, mtime_ns)`` and every file's stat, digest and size. The next status stats
the folders (an added or removed file changes its folder's ``mtime``; only then is the
tree walked again) and the files (a file whose stat moved is rehashed through the stat
cache); it never reads the file list or the stat-cache database for unchanged files.

Entries obey the racy-timestamp rule of ``gitml.data.statcache``: a stat is trusted only
if its ``mtime`` is older than a stamp taken before it was read; untrusted entries are
kept without a stat, so they are looked at again next time. The file is disposable: any
mismatch in version, manifest or path, or any damage, means "no snapshot".
"""

from __future__ import annotations

import marshal
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

VERSION = 1
FOLDER = "status"
SUFFIX = ".snap"

DirKey = tuple[int, int, int]  # dev, ino, mtime_ns
StatKey = tuple[int, int, int, int, int]  # as gitml.data.statcache.FileStat
UNTRUSTED_DIR: DirKey = (-1, -1, -1)


@dataclass(frozen=True)
class Snapshot:
    """What a clean dataset looked like: folders, and files with their stat and content."""

    manifest: str
    path: str
    dirs: dict[str, DirKey]
    files: dict[str, tuple[StatKey | None, str, int]]  # path -> (stat, digest, size)


def snapshot_path(state_dir: Path, name: str) -> Path:
    return state_dir / FOLDER / f"{name}{SUFFIX}"


def load(state_dir: Path, name: str) -> Snapshot | None:
    """The snapshot of dataset ``name``, or ``None`` if there is none or it is unusable."""
    try:
        raw: Any = marshal.loads(snapshot_path(state_dir, name).read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not (isinstance(raw, tuple) and len(raw) == 5 and raw[0] == VERSION):
        return None
    _, manifest, path, dirs, files = raw
    if not (isinstance(dirs, dict) and isinstance(files, dict) and isinstance(path, str)):
        return None
    return Snapshot(str(manifest), path, dirs, files)


def save(state_dir: Path, name: str, snap: Snapshot) -> None:
    """Write the snapshot atomically; a failure only costs speed, so it is ignored."""
    target = snapshot_path(state_dir, name)
    data = marshal.dumps((VERSION, snap.manifest, snap.path, snap.dirs, snap.files))
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        tmp.replace(target)
    except OSError:
        tmp.unlink(missing_ok=True)


def forget(state_dir: Path, name: str) -> None:
    snapshot_path(state_dir, name).unlink(missing_ok=True)


def dir_key(st: os.stat_result, stamp_ns: int | None) -> DirKey:
    """A folder's key, or the never-matching key if its ``mtime`` is too recent to trust."""
    if stamp_ns is None or st.st_mtime_ns >= stamp_ns:
        return UNTRUSTED_DIR
    return (st.st_dev, st.st_ino, st.st_mtime_ns)


def trusted(key: StatKey, stamp_ns: int | None) -> StatKey | None:
    """``key`` if the file's ``mtime`` is older than the stamp, else ``None``."""
    if stamp_ns is None or key[3] >= stamp_ns:
        return None
    return tuple(key)  # type: ignore[return-value]
