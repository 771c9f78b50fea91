"""``git ml data diff [A [B]]``: per-file data changes between two commits.

Like ``git diff``: no revision compares HEAD with the work tree's data, one compares that
revision with the work tree, two compare the revisions. Pointers are read from each
commit with git; versions come from the cache, ``refs/gitml/data`` or the data remote.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from gitml.data.pointers import Pointer
from gitml.data.revs import pointers_at
from gitml.data.scan import FileState, expected, hash_present, present
from gitml.data.store import VersionStore
from gitml.data.workspace import DataWorkspace

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject

WORKSPACE = "workspace"


@dataclass(frozen=True, slots=True)
class DatasetFileChange:
    path: str
    dataset: str
    status: str  # added | deleted | modified
    old: FileState | None
    new: FileState | None

    def as_dict(self) -> JsonObject:
        def side(state: FileState | None) -> JsonObject | None:
            return None if state is None else {"digest": str(state.digest), "size": state.size}

        return {
            "path": self.path,
            "dataset": self.dataset,
            "status": self.status,
            "old": side(self.old),
            "new": side(self.new),
        }


@dataclass(frozen=True)
class DataDiff:
    old: str
    new: str
    changes: tuple[DatasetFileChange, ...]

    def counts(self) -> dict[str, int]:
        counts = {"added": 0, "deleted": 0, "modified": 0}
        for change in self.changes:
            counts[change.status] += 1
        return counts

    def as_dict(self) -> JsonObject:
        return {
            "old": self.old,
            "new": self.new,
            "changes": [c.as_dict() for c in self.changes],
            "summary": self.counts(),
        }


State = dict[str, tuple[str, FileState]]  # path -> (dataset name, file)


def _state_of_rev(ws: DataWorkspace, store: VersionStore, rev: str) -> State:
    state: State = {}
    for name, pointer in pointers_at(ws.workdir, rev, ws.pointer_dir).items():
        where = f"{rev}:{ws.pointer_dir}/{name}.toml"
        version = store.load(name, pointer.manifest, where=where)
        for path, file in expected(pointer.path, version).items():
            state[path] = (name, file)
    return state


def _state_of_workspace(ws: DataWorkspace, pointers: dict[str, Pointer]) -> State:
    state: State = {}
    with ws.statcache() as statcache:
        for name, pointer in pointers.items():
            files = hash_present(ws.workdir, present(ws.workdir, pointer.path), statcache)
            for path, file in files.items():
                state[path] = (name, file)
    return state


def data_diff(ws: DataWorkspace, old: str | None = None, new: str | None = None) -> DataDiff:
    """Changes from ``old`` (default HEAD) to ``new`` (default: the work tree)."""
    store = VersionStore(ws)
    old = old or "HEAD"
    before = _state_of_rev(ws, store, old)
    after = _state_of_rev(ws, store, new) if new else _state_of_workspace(ws, ws.pointers())
    changes = []
    for path in sorted(before.keys() | after.keys()):
        a, b = before.get(path), after.get(path)
        if a is not None and b is not None:
            if a[1].digest != b[1].digest:
                changes.append(
                    DatasetFileChange(
                        path=path, dataset=b[0], status="modified", old=a[1], new=b[1]
                    )
                )
        elif a is not None:
            changes.append(
                DatasetFileChange(path=path, dataset=a[0], status="deleted", old=a[1], new=None)
            )
        elif b is not None:
            changes.append(
                DatasetFileChange(path=path, dataset=b[0], status="added", old=None, new=b[1])
            )
    return DataDiff(old, new or WORKSPACE, tuple(changes))
