"""The run cache: a stage's earlier execution found by what it ran with, outputs restored.

A stage's key is the xxh3-128 of its command, working folder, the digest of each
dependency, its params values and its output paths; every stage run records it. When a
stale stage's key matches a completed run whose outputs are in the content cache (or on
the data remote), its outputs are put back instead of running the command, as DVC's run
cache does. Like DVC, gitml restores only stages that have a command, dependencies and
outputs, are not ``always_changed`` and have no ``persist`` outputs.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import xxhash

from gitml.errors import GitmlError
from gitml.objects import pathguard
from gitml.pipelines.errors import at
from gitml.pipelines.model import Stage
from gitml.pipelines.state import PathInfo
from gitml.records.typed import typed
from gitml.rerun.inputs import restore_inputs
from gitml.runs.store import RUN_KIND, open_index

if TYPE_CHECKING:
    from gitml.records.shapes import RunRecord
    from gitml.storage.repo import GitRepo

PREFIX = "xxh3-128:"


def stage_key(
    stage: Stage, deps: Mapping[str, PathInfo | None], params: Mapping[str, Any]
) -> str | None:
    """The stage's key, or ``None`` while a dependency is missing."""
    digests = {}
    for dep in stage.deps:
        info = deps.get(dep.path)
        if info is None:
            return None
        digests[dep.repo_path] = info.digest
    doc = {
        "cmd": stage.lock_cmd,
        "wdir": stage.wdir,
        "deps": digests,
        "params": {p.repo_path: params.get(p.path) for p in stage.params},
        "outs": sorted([o.repo_path, o.cache, o.persist] for o in stage.outs),
    }
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), default=repr)
    return PREFIX + xxhash.xxh3_128_hexdigest(text.encode("utf-8"))


def restorable(stage: Stage) -> bool:
    """Whether the run cache may stand in for running ``stage`` (DVC's rule)."""
    if stage.always_changed or not (stage.deps or stage.params) or not stage.outs:
        return False
    return not any(out.persist for out in stage.outs)


def find_runs(repo: GitRepo, keys: Sequence[str]) -> dict[str, list[RunRecord]]:
    """Completed stage runs by key, newest first."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}

    collection, index = open_index(repo)
    marks = ",".join("?" * len(wanted))
    try:
        rows = index.rows(
            collection,
            f"json_extract(doc, '$.stage.key') IN ({marks}) "
            "AND json_extract(doc, '$.status') = 'completed'",
            wanted,
            "id DESC",
            None,
            kind=RUN_KIND,
        )
    finally:
        index.close()
    found: dict[str, list[RunRecord]] = {}
    for doc in (typed(row.doc, "run", where=None) for row in rows):
        if "stage" in doc:
            found.setdefault(doc["stage"]["key"], []).append(doc)
    return found


def _inside(root: Path, stage: Stage, rel: str) -> Path:
    """``root/rel``, refused when a folder on the way is a symlink leading elsewhere, or
    when the data plane's path guard refuses it (a ``.git`` part, a link on the way)."""
    import os

    where = f"{stage.file}: stage '{stage.name}': output"
    pathguard.check_writes(root, [rel], where=where)
    path = root / rel
    real_root = Path(os.path.realpath(root))
    real_parent = Path(os.path.realpath(path.parent))
    if real_parent != real_root and real_root not in real_parent.parents:
        raise at(
            stage.file,
            stage.name,
            f"output '{rel}' lies under a symlink to {real_parent}, outside the repository; "
            "gitml does not delete or write there",
        )
    return path


def remove_outputs(root: Path, stage: Stage) -> list[str]:
    """Delete the stage's outputs that are not ``persist`` (as DVC does before a run)."""
    removed = []
    for out in stage.outs:
        if out.persist:
            continue
        path = _inside(root, stage, out.repo_path)
        if path.is_symlink() or path.is_file():
            path.unlink()
        elif path.is_dir():
            shutil.rmtree(path)
        else:
            continue
        removed.append(out.repo_path)
    return removed


def restore(repo: GitRepo, root: Path, stage: Stage, doc: Mapping[str, Any]) -> bool:
    """Put back the outputs run ``doc`` recorded for ``stage``; False if they cannot be."""
    outputs: Mapping[str, str] = doc.get("outputs") or {}
    if any(out.repo_path not in outputs for out in stage.outs):
        return False
    wanted = {out.repo_path: outputs[out.repo_path] for out in stage.outs}

    remove_outputs(root, stage)
    try:
        restore_inputs(repo, root, run_id=str(doc["id"]), inputs=wanted)
    except GitmlError:
        remove_outputs(root, stage)
        return False
    return True
