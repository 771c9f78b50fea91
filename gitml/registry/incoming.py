"""Registry records arriving in a pull must agree with what this clone can check them against.

A version record must copy its run's facts (the run is looked up in the local runs and
in the runs arriving with it). Everything here reads the fetched trees directly, before
anything is merged, so a refusal leaves every local ref as it was.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gitml.errors import InvalidRecord
from gitml.records import codec
from gitml.registry import records as rec
from gitml.registry.store import registry_collection
from gitml.storage import REGISTRY_REF, RUNS_REF
from gitml.storage.collection import Collection, Snapshot
from gitml.storage.repo import GitRepo


def registry_problems(
    repo: GitRepo, tips: Mapping[str, str | None], added: Sequence[str]
) -> list[str]:
    """Problems of the registry records a pull would bring in (``added``: their paths)."""
    versions = [p for p in added if "/versions/" in p and p.startswith(f"{rec.PREFIX}/")]
    if not versions:
        return []
    from gitml.runs.store import runs_collection

    theirs = registry_collection(repo).snapshot_at(tips.get(REGISTRY_REF))
    runs = runs_collection(repo)
    snapshots = [runs.snapshot(), runs.snapshot_at(tips.get(RUNS_REF))]
    return _version_problems(theirs, snapshots, versions)


def _version_problems(theirs: Snapshot, runs: list[Snapshot], paths: Sequence[str]) -> list[str]:
    from gitml.registry.consistency import version_problems
    from gitml.runs.store import runs_collection

    layout: Collection = runs_collection(theirs.repo)
    out: list[str] = []
    for path in paths:
        data = theirs.read(path)
        if data is None:
            continue
        try:
            version = codec.loads(data, where=path)
            run_id = str(version["run"]["id"])
        except (InvalidRecord, KeyError, TypeError):
            continue  # the index reports records that do not parse; nothing to compare
        run = _find(runs, layout.record_path(run_id))
        if run is None:
            continue
        for problem in version_problems(codec.to_jsonable(version), codec.to_jsonable(run)):
            out.append(f"{REGISTRY_REF}: {path}: {problem}; it was edited or forged")
    return out


def _find(snapshots: list[Snapshot], path: str) -> dict[str, Any] | None:
    for snap in snapshots:
        data = snap.read(path)
        if data is not None:
            try:
                return codec.loads(data, where=path)
            except InvalidRecord:
                return None
    return None
