"""``git ml data status``: each dataset's files against the version its pointer names."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from gitml.data.digest import Digest
from gitml.data.errors import DataError
from gitml.data.pointers import Pointer
from gitml.data.scan import Changes, FileState, compare, expected, hash_present, present
from gitml.data.statcache import StatCache
from gitml.data.store import Version, VersionStore
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
    version: Version,
    statcache: StatCache,
    *,
    jobs: int | None = None,
) -> DatasetStatus:
    wanted = expected(pointer.path, version)
    current = hash_present(ws.workdir, present(ws.workdir, pointer.path), statcache, jobs=jobs)
    return DatasetStatus(
        pointer.name,
        pointer.path,
        pointer.manifest,
        compare(wanted, current),
        current=current,
        wanted=wanted,
    )


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
                version = store.load(pointer.name, pointer.manifest, where=where)
            except DataError as exc:
                empty = Changes((), (), ())
                results.append(
                    DatasetStatus(pointer.name, pointer.path, pointer.manifest, empty, str(exc))
                )
                continue
            results.append(dataset_status(ws, pointer, version, statcache, jobs=jobs))
    return results
