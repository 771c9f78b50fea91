"""``git ml data status``: each dataset's files against the version its pointer names."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gitml.data import snapshot
from gitml.data.pointers import Pointer
from gitml.data.scan import Changes, FileState, compare, expected, present, scan_files
from gitml.data.snapshot import StatSnapshot, dir_keys, from_snapshot
from gitml.data.store import VersionStore
from gitml.data.workspace import DataWorkspace
from gitml.objects.digest import Digest
from gitml.objects.errors import DataError
from gitml.objects.statcache import StatCache

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject


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

    def as_dict(self) -> JsonObject:
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
    store: VersionStore | None,
    statcache: StatCache,
    *,
    jobs: int | None = None,
    where: str | None = None,
    states: bool = True,
) -> DatasetStatus:
    """Compare the work tree with the pointer's version (snapshot first, see ``snapshot``).

    With ``states=False`` the ``current`` and ``wanted`` maps may be left empty.
    """
    state = ws.gitdir / "gitml"
    snap = snapshot.load(state, pointer.name)
    if snap is not None and snap.manifest == pointer.manifest and snap.path == pointer.path:
        found = from_snapshot(
            ws.workdir, state, pointer.name, snap, statcache, jobs=jobs, states=states
        )
        if found is not None:
            changes, current, wanted = found
            return DatasetStatus(
                name=pointer.name,
                path=pointer.path,
                manifest=pointer.manifest,
                changes=changes,
                problem=None,
                current=current,
                wanted=wanted,
            )
    where = where or f"{ws.pointer_dir}/{pointer.name}.toml"
    if store is None:
        store = VersionStore(ws, fetch=False)
    version = store.load(pointer.name, pointer.manifest, where=where)
    wanted = expected(pointer.path, version)
    stamp = statcache.stamp()
    dirs: list[str] = []
    files = present(ws.workdir, pointer.path, dirs)
    keys = dir_keys(ws.workdir, dirs, stamp)
    current, stats, _ = scan_files(ws.workdir, files, statcache, jobs=jobs)
    result = DatasetStatus(
        name=pointer.name,
        path=pointer.path,
        manifest=pointer.manifest,
        changes=compare(wanted, current),
        current=current,
        wanted=wanted,
    )
    if result.changes.clean and keys is not None:
        entries = {
            rel: (snapshot.trusted(stats[rel], stamp), str(fs.digest), fs.size)
            for rel, fs in current.items()
        }
        snapshot.save(
            state,
            pointer.name,
            StatSnapshot(
                manifest=str(pointer.manifest), path=pointer.path, dirs=keys, files=entries
            ),
        )
    else:
        snapshot.forget(state, pointer.name)
    return result


def status(
    ws: DataWorkspace, names: Sequence[str] = (), *, jobs: int | None = None
) -> list[DatasetStatus]:
    """The status of every dataset (or those ``names`` select), never touching the network."""
    store = None  # made on first need: datasets answered by snapshots need no version
    results: list[DatasetStatus] = []
    pointers = select(ws.pointers(), names)
    with ws.statcache() as statcache:
        for pointer in pointers:
            where = f"{ws.pointer_dir}/{pointer.name}.toml"
            try:
                found = dataset_status(
                    ws, pointer, store, statcache, jobs=jobs, where=where, states=False
                )
            except DataError as exc:
                empty = Changes((), (), ())
                found = DatasetStatus(
                    name=pointer.name,
                    path=pointer.path,
                    manifest=pointer.manifest,
                    changes=empty,
                    problem=str(exc),
                )
            results.append(found)
    return results
