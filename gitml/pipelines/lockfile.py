"""``dvc.lock``: what each stage last ran with, in DVC's lock-file format (schema 2.0).

An entry holds the stage's command, each dependency and output with DVC's md5 (``hash:
md5``, ``md5``, ``size``, ``nfiles`` for folders, ``isexec``), and the values of its
params per params file. Entries are written as DVC writes them (keys in DVC's order,
dependencies and outputs sorted by path, the default params file first), so ``git diff
dvc.lock`` shows what changed and DVC reads the file as its own. An update rewrites the
stages that ran, keeps every other entry where it was, and appends new ones; writers take
turns through a file lock and replace the file atomically.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitml.atomic import write_atomic
from gitml.pipelines import yamlfile
from gitml.pipelines.errors import PipelineError, at
from gitml.pipelines.model import DEFAULT_PARAMS, Stage
from gitml.pipelines.state import PathInfo
from gitml.storage.filelock import exclusive

SCHEMA = "2.0"


@dataclass(frozen=True)
class LockEntry:
    """One stage's entry: paths as the stage file writes them (relative to its wdir)."""

    cmd: str | list[str]
    deps: dict[str, dict[str, Any]]
    params: dict[str, dict[str, Any]]
    outs: dict[str, dict[str, Any]]


def _items(value: Any, where: str, name: str, key: str) -> dict[str, dict[str, Any]]:
    if value is None:
        return {}
    if not isinstance(value, list) or not all(
        isinstance(i, dict) and isinstance(i.get("path"), str) for i in value
    ):
        raise at(where, name, f"'{key}' must be a list of entries with a 'path'")
    return {str(i["path"]): dict(i) for i in value}


def parse_lock(doc: Any, where: str) -> dict[str, LockEntry]:
    """Entries by stage name from a parsed lock file (format 2, or DVC 1's flat one)."""
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise PipelineError(f"{where}: must hold a table with 'schema' and 'stages'")
    if "schema" in doc:
        if str(doc["schema"]) != SCHEMA:
            raise PipelineError(
                f"{where}: lock file schema {doc['schema']!r} is not supported (gitml reads "
                f"{SCHEMA!r}); delete the file and run `git ml repro`"
            )
        stages = doc.get("stages") or {}
    else:
        stages = doc
    if not isinstance(stages, dict):
        raise PipelineError(f"{where}: 'stages' must be a table")
    out: dict[str, LockEntry] = {}
    for name, entry in stages.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("cmd"), str | list):
            raise at(where, str(name), "must be a table with 'cmd'")
        params = entry.get("params") or {}
        if not isinstance(params, dict) or not all(isinstance(v, dict) for v in params.values()):
            raise at(where, str(name), "'params' must be a table of files")
        out[str(name)] = LockEntry(
            cmd=entry["cmd"],
            deps=_items(entry.get("deps"), where, str(name), "deps"),
            params={str(f): dict(v) for f, v in params.items()},
            outs=_items(entry.get("outs"), where, str(name), "outs"),
        )
    return out


def load_lock(root: Path, path: str) -> dict[str, LockEntry]:
    """The entries of the lock file at ``path`` ({} when there is none)."""
    try:
        text = (root / path).read_text("utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise PipelineError(f"{path}: cannot read: {exc}") from None
    return parse_lock(yamlfile.loads(text, where=path), path)


def build_entry(
    stage: Stage,
    deps: Mapping[str, PathInfo],
    params: Mapping[str, Mapping[str, Any]],
    outs: Mapping[str, PathInfo],
) -> dict[str, Any]:
    """The lock entry of ``stage`` (paths as written) in DVC's key order."""
    entry: dict[str, Any] = {"cmd": stage.lock_cmd}
    dep_items = [{"path": p, **deps[p].lock_fields()} for p in sorted(deps)]
    if dep_items:
        entry["deps"] = dep_items
    files = sorted(params, key=lambda f: (f != DEFAULT_PARAMS, f))
    table = {
        f: {k: params[f][k] for k in sorted(params[f])} for f in files if params[f] is not None
    }
    if table:
        entry["params"] = table
    out_items = [{"path": p, **outs[p].lock_fields()} for p in sorted(outs)]
    if out_items:
        entry["outs"] = out_items
    return entry


def write_entries(
    root: Path, path: str, updates: Mapping[str, dict[str, Any]], lock_dir: Path
) -> None:
    """Set the entries of ``updates`` in the lock file (others kept, new ones appended)."""
    if not updates:
        return

    lock_dir.mkdir(parents=True, exist_ok=True)
    with exclusive(lock_dir / (path.replace("/", "%") + ".flock")):
        target = root / path
        try:
            doc = yamlfile.loads(target.read_text("utf-8"), where=path)
        except FileNotFoundError:
            doc = None
        parse_lock(doc, path)
        if not isinstance(doc, dict) or "schema" not in doc:
            doc = {"schema": SCHEMA, "stages": dict(doc or {})}
        stages = doc.setdefault("stages", {}) or {}
        changed = False
        for name, entry in updates.items():
            if stages.get(name) != entry:
                stages[name] = entry
                changed = True
        doc["stages"] = stages
        if not changed and target.exists():
            return
        try:
            write_atomic(target, yamlfile.dumps(doc))
        except OSError as exc:
            raise PipelineError(f"{path}: cannot write: {exc.strerror or exc}") from None
