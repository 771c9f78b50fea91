"""``git ml data ls`` and ``git ml data show``: what datasets there are, and one in detail."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gitml.data.pointers import Pointer, pointer_file
from gitml.data.profiles import is_tabular, load_profile
from gitml.data.scan import dataset_root
from gitml.data.store import VersionStore
from gitml.data.workspace import DataWorkspace
from gitml.objects.errors import DataError, TooLarge
from gitml.storage import DATA_REF

if TYPE_CHECKING:
    from gitml.records.shapes import ColumnProfileTable, JsonObject, ProfileRecord


def list_datasets(ws: DataWorkspace) -> list[JsonObject]:
    """One row per pointer in the work tree (no data is read)."""
    return [
        {
            "name": p.name,
            "path": p.path,
            "files": p.files,
            "bytes": p.nbytes,
            "manifest": str(p.manifest),
            "pointer": pointer_file(ws.pointer_dir, p.name),
        }
        for p in ws.pointers().values()
    ]


def _find(ws: DataWorkspace, name: str) -> Pointer:
    pointers = ws.pointers()
    found = pointers.get(name) or next(
        (p for p in pointers.values() if p.path == name.rstrip("/")), None
    )
    if found is None:
        known = ", ".join(sorted(pointers)) or "none; add one with `git ml data add PATH`"
        raise DataError(f"no dataset named '{name}' (datasets: {known})")
    return found


def column_summary(column: ColumnProfileTable) -> str:
    """A few words about a profiled column: range and mean, or its top categories."""
    kind = column["type"]
    if kind == "numeric" and "mean" in column:
        return f"min {column.get('min')}  mean {column['mean']:.6g}  max {column.get('max')}"
    top = column.get("top")
    if isinstance(top, dict) and top:
        best = sorted(top.items(), key=lambda kv: (-kv[1], str(kv[0])))[:3]
        shown = ", ".join(f"{k} ({v})" for k, v in best)
        distinct = column.get("distinct")
        return f"{distinct} distinct: {shown}" if distinct is not None else shown
    if "min" in column:
        return f"{column.get('min')} .. {column.get('max')}"
    return ""


def show_dataset(ws: DataWorkspace, name: str, *, files: bool = False) -> JsonObject:
    """The pointer, manifest and profiles of one dataset (the version its pointer names)."""
    pointer = _find(ws, name)
    store = VersionStore(ws)
    where = pointer_file(ws.pointer_dir, pointer.name)
    version = store.load(pointer.name, pointer.manifest, where=where)
    manifest = version.manifest
    root = dataset_root(pointer.path, manifest.kind)
    prefix = f"{root}/" if root else ""
    profiles: dict[str, ProfileRecord] = {}
    unprofiled: list[str] = []
    tabular = [entry for entry in version.entries if is_tabular(prefix + entry.path)]
    try:
        stored = store.read_profiles([entry.digest for entry in tabular])
    except TooLarge as exc:
        raise DataError(
            f"dataset '{pointer.name}': a profile: {exc} for a profile, so gitml does not "
            f"read it; anyone with push access can record one on {DATA_REF}: check who did"
        ) from None
    for entry in tabular:
        path = prefix + entry.path
        data = stored.get(entry.digest)
        if data is None:
            unprofiled.append(path)
            continue
        profiles[path] = load_profile(data, where=f"profile of {path}")
    result: JsonObject = {
        "name": pointer.name,
        "path": pointer.path,
        "pointer": where,
        "manifest": str(version.digest),
        "kind": str(manifest.kind),
        "files": manifest.files,
        "bytes": manifest.nbytes,
        "listing": str(manifest.listing),
        "profiles": profiles,
        "unprofiled": unprofiled,
    }
    if files:
        result["entries"] = [
            {"path": prefix + e.path, "digest": str(e.digest), "size": e.size}
            for e in version.entries
        ]
    return result
