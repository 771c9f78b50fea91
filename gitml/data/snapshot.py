"""Status snapshots: a clean dataset is confirmed with one ``stat`` per file and folder.

After a status finds a dataset clean, gitml keeps what it saw in
``<git dir>/gitml/status/<name>.snap``: the manifest it matched, every folder's
``(dev, ino, mtime_ns)`` and every file's stat, digest and size. The next status stats
the folders (an added or removed file changes its folder's ``mtime``; only then is the
tree walked again) and the files (a file whose stat moved is rehashed through the stat
cache); it never reads the file list or the stat-cache database for unchanged files.

Entries obey the racy-timestamp rule of ``gitml.objects.statcache``: a stat is trusted only
if its ``mtime`` is older than a stamp taken before it was read; untrusted entries are
kept without a stat, so they are looked at again next time. The file is disposable: any
mismatch in version, manifest or path, or any damage, means "no snapshot".
"""

from __future__ import annotations

import marshal
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitml.atomic import write_atomic
from gitml.data.scan import Changes, FileState, present, scan_files
from gitml.objects.digest import Digest
from gitml.objects.statcache import FileStat, StatCache

VERSION = 1
FOLDER = "status"
SUFFIX = ".snap"

DirKey = tuple[int, int, int]  # dev, ino, mtime_ns
StatKey = tuple[int, int, int, int, int]  # as gitml.objects.statcache.FileStat
UNTRUSTED_DIR: DirKey = (-1, -1, -1)


@dataclass(frozen=True)
class StatSnapshot:
    """What a clean dataset looked like: folders, and files with their stat and content."""

    manifest: str
    path: str
    dirs: dict[str, DirKey]
    files: dict[str, tuple[StatKey | None, str, int]]  # path -> (stat, digest, size)


def snapshot_path(state_dir: Path, name: str) -> Path:
    return state_dir / FOLDER / f"{name}{SUFFIX}"


def load(state_dir: Path, name: str) -> StatSnapshot | None:
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
    return StatSnapshot(manifest=str(manifest), path=path, dirs=dirs, files=files)


def save(state_dir: Path, name: str, snap: StatSnapshot) -> None:
    """Write the snapshot atomically; a failure only costs speed, so it is ignored."""
    target = snapshot_path(state_dir, name)
    data = marshal.dumps((VERSION, snap.manifest, snap.path, snap.dirs, snap.files))
    try:
        write_atomic(target, data)
    except OSError:
        pass


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


def dir_keys(workdir: Path, dirs: Sequence[str], stamp: int | None) -> dict[str, DirKey] | None:
    """The keys of ``dirs`` (``None`` if one vanished: no snapshot then)."""
    keys: dict[str, DirKey] = {}
    prefix = f"{workdir}/"
    for rel in dirs:
        try:
            st = os.stat(prefix + rel)  # noqa: PTH116 - plain strings on the hot path
        except OSError:
            return None
        keys[rel] = dir_key(st, stamp)
    return keys


Found = tuple["Changes", dict[str, "FileState"], dict[str, "FileState"]]


def from_snapshot(
    workdir: Path,
    state_dir: Path,
    name: str,
    snap: StatSnapshot,
    statcache: StatCache,
    *,
    jobs: int | None = None,
    states: bool = True,
) -> Found | None:
    """``(changes, current, wanted)`` from a snapshot of the clean dataset.

    ``None`` means "ask the slow path" (something other than a regular file appeared).
    Without ``states`` the two file maps are left empty (a status only needs changes).
    The snapshot is rewritten when files were only touched, dropped when they changed.
    """
    prefix = f"{workdir}/"
    stamp = statcache.stamp()
    files = snap.files
    dirs = snap.dirs
    walked: list[str] | None = None
    for rel, key in dirs.items():
        try:
            st = os.stat(prefix + rel)  # noqa: PTH116 - plain strings on the hot path
        except OSError:
            st = None
        if st is None or (st.st_dev, st.st_ino, st.st_mtime_ns) != key:
            found_dirs: list[str] = []
            walked = present(workdir, snap.path, found_dirs)
            keys = dir_keys(workdir, found_dirs, stamp)
            if keys is None:
                return None
            dirs = keys
            break
    changed: list[str] = []
    gone: list[str] = []
    stat_of, key_of = os.stat, FileStat.of
    for rel in files if walked is None else walked:
        entry = files.get(rel)
        try:
            st = stat_of(prefix + rel)
        except FileNotFoundError:
            gone.append(rel)
            continue
        except OSError:
            return None
        if st.st_mode & 0o170000 != 0o100000:  # not a regular file
            return None
        if entry is None or (
            entry[0] != (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
            and entry[0] != key_of(st)
        ):
            changed.append(rel)
    if walked is not None:
        seen = set(walked)
        gone.extend(rel for rel in files if rel not in seen)
    entries = files
    fresh: dict[str, FileState] = {}
    if changed or gone:
        dropped = set(gone)
        entries = {rel: value for rel, value in files.items() if rel not in dropped}
        fresh, stats, _ = scan_files(workdir, changed, statcache, jobs=jobs)
        for rel, fs in fresh.items():
            entries[rel] = (trusted(stats[rel], stamp), str(fs.digest), fs.size)
    deleted = [*gone, *(rel for rel in changed if rel in files and rel not in fresh)]
    changes = Changes(
        tuple(sorted(rel for rel in fresh if rel not in files)),
        tuple(sorted(rel for rel in deleted if rel in files)),
        tuple(
            sorted(rel for rel, fs in fresh.items() if rel in files and fs.digest != files[rel][1])
        ),
    )
    if not changes.clean:
        forget(state_dir, name)
    elif changed or dirs is not snap.dirs:
        save(
            state_dir,
            name,
            StatSnapshot(manifest=snap.manifest, path=snap.path, dirs=dirs, files=entries),
        )
    if not states:
        return changes, {}, {}
    new_str, new_tuple = str.__new__, tuple.__new__
    wanted = {
        rel: new_tuple(FileState, (new_str(Digest, digest), size))
        for rel, (_, digest, size) in files.items()
    }
    current = dict(wanted)
    for rel in deleted:
        current.pop(rel, None)
    current.update(fresh)
    return changes, current, wanted
