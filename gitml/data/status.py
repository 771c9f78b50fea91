"""``git ml data status``: each dataset's files against the version its pointer names."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISREG
from typing import Any

from gitml.data import snapshot
from gitml.data.digest import Digest
from gitml.data.errors import DataError
from gitml.data.pointers import Pointer
from gitml.data.scan import Changes, FileState, compare, expected, present, scan_files
from gitml.data.snapshot import Snapshot
from gitml.data.statcache import FileStat, StatCache
from gitml.data.store import VersionStore
from gitml.data.workspace import DataWorkspace


@dataclass(frozen=True)
class DatasetStatus:
    """How one dataset's work-tree files differ from its pointer's version."""

    name: str
    path: str
    manifest: Digest
    changes: Changes
    problem: str | None = None  # why the version could not be compared (e.g. not fetched)
    current: dict[str, FileState] = field(default_factory=dict, repr=False, compare=False)
    wanted: dict[str, FileState] = field(default_factory=dict, repr=False, compare=False)

    @property
    def clean(self) -> bool:
        return self.problem is None and self.changes.clean

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": self.path,
            "manifest": str(self.manifest),
            "clean": self.clean,
            "added": list(self.changes.added),
            "modified": list(self.changes.modified),
            "deleted": list(self.changes.deleted),
            "problem": self.problem,
        }


def select(pointers: dict[str, Pointer], names: Sequence[str]) -> list[Pointer]:
    """The pointers named (by dataset name or path) or all of them."""
    if not names:
        return list(pointers.values())
    chosen: list[Pointer] = []
    for wanted in names:
        match = [
            p
            for p in pointers.values()
            if wanted in (p.name, p.path) or p.path.startswith(wanted.rstrip("/") + "/")
        ]
        if not match:
            known = ", ".join(sorted(pointers)) or "none; add one with `git ml data add PATH`"
            raise DataError(f"no dataset named or at '{wanted}' (datasets: {known})")
        chosen.extend(p for p in match if p not in chosen)
    return chosen


def dataset_status(
    ws: DataWorkspace,
    pointer: Pointer,
    store: VersionStore,
    statcache: StatCache,
    *,
    jobs: int | None = None,
    where: str | None = None,
) -> DatasetStatus:
    """Compare the work tree with the pointer's version (snapshot first, see ``snapshot``)."""
    state = ws.gitdir / "gitml"
    snap = snapshot.load(state, pointer.name)
    if snap is not None and snap.manifest == pointer.manifest and snap.path == pointer.path:
        found = _from_snapshot(ws, pointer, snap, statcache, jobs)
        if found is not None:
            return found
    where = where or f"{ws.pointer_dir}/{pointer.name}.toml"
    version = store.load(pointer.name, pointer.manifest, where=where)
    wanted = expected(pointer.path, version)
    stamp = statcache.stamp()
    dirs: list[str] = []
    files = present(ws.workdir, pointer.path, dirs)
    keys = dir_keys(ws.workdir, dirs, stamp)
    current, stats, _ = scan_files(ws.workdir, files, statcache, jobs=jobs)
    result = DatasetStatus(
        pointer.name,
        pointer.path,
        pointer.manifest,
        compare(wanted, current),
        current=current,
        wanted=wanted,
    )
    if result.changes.clean and keys is not None:
        entries = {
            rel: (snapshot.trusted(stats[rel], stamp), str(fs.digest), fs.size)
            for rel, fs in current.items()
        }
        snapshot.save(
            state, pointer.name, Snapshot(str(pointer.manifest), pointer.path, keys, entries)
        )
    else:
        snapshot.forget(state, pointer.name)
    return result


def dir_keys(
    workdir: Path, dirs: Sequence[str], stamp: int | None
) -> dict[str, snapshot.DirKey] | None:
    keys: dict[str, snapshot.DirKey] = {}
    prefix = f"{workdir}/"
    for rel in dirs:
        try:
            st = os.stat(prefix + rel)  # noqa: PTH116 - plain strings on the hot path
        except OSError:
            return None
        keys[rel] = snapshot.dir_key(st, stamp)
    return keys


def _from_snapshot(
    ws: DataWorkspace,
    pointer: Pointer,
    snap: Snapshot,
    statcache: StatCache,
    jobs: int | None,
) -> DatasetStatus | None:
    """The status from a snapshot of the clean dataset; ``None``: use the slow path."""
    workdir = ws.workdir
    prefix = f"{workdir}/"
    stamp = statcache.stamp()
    files: Iterable[str] = snap.files
    dirs = snap.dirs
    for rel, key in snap.dirs.items():
        try:
            st = os.stat(prefix + rel)  # noqa: PTH116 - plain strings on the hot path
        except OSError:
            st = None
        if st is None or (st.st_dev, st.st_ino, st.st_mtime_ns) != key:
            walked: list[str] = []
            files = present(workdir, pointer.path, walked)
            found = dir_keys(workdir, walked, stamp)
            if found is None:
                return None
            dirs = found
            break
    new_str, new_tuple, key_of = str.__new__, tuple.__new__, FileStat.of
    wanted: dict[str, FileState] = {
        rel: new_tuple(FileState, (new_str(Digest, digest), size))
        for rel, (_, digest, size) in snap.files.items()
    }
    current: dict[str, FileState] = {}
    changed: list[str] = []
    gone: list[str] = []
    for rel in files:
        entry = snap.files.get(rel)
        try:
            st = os.stat(prefix + rel)  # noqa: PTH116 - plain strings on the hot path
        except FileNotFoundError:
            gone.append(rel)
            continue
        except OSError:
            return None
        if not S_ISREG(st.st_mode):
            return None
        if entry is not None and entry[0] == key_of(st):
            current[rel] = wanted[rel]
        else:
            changed.append(rel)
    entries = snap.files
    if changed or gone:
        entries = dict(snap.files)
        for rel in gone:
            entries.pop(rel, None)
        fresh, stats, _ = scan_files(workdir, changed, statcache, jobs=jobs)
        current.update(fresh)
        for rel, fs in fresh.items():
            entries[rel] = (snapshot.trusted(stats[rel], stamp), str(fs.digest), fs.size)
    unchanged = len(current) == len(wanted) and not changed and not gone
    result = DatasetStatus(
        pointer.name,
        pointer.path,
        pointer.manifest,
        Changes((), (), ()) if unchanged else compare(wanted, current),
        current=current,
        wanted=wanted,
    )
    state = ws.gitdir / "gitml"
    if not result.changes.clean:
        snapshot.forget(state, pointer.name)
    elif changed or dirs is not snap.dirs:
        snapshot.save(state, pointer.name, Snapshot(snap.manifest, snap.path, dirs, entries))
    return result


def status(
    ws: DataWorkspace, names: Sequence[str] = (), *, jobs: int | None = None
) -> list[DatasetStatus]:
    """The status of every dataset (or those ``names`` select), never touching the network."""
    store = VersionStore(ws, fetch=False)
    results: list[DatasetStatus] = []
    pointers = select(ws.pointers(), names)
    with ws.statcache() as statcache:
        for pointer in pointers:
            where = f"{ws.pointer_dir}/{pointer.name}.toml"
            try:
                found = dataset_status(ws, pointer, store, statcache, jobs=jobs, where=where)
            except DataError as exc:
                empty = Changes((), (), ())
                found = DatasetStatus(pointer.name, pointer.path, pointer.manifest, empty, str(exc))
            results.append(found)
    return results
