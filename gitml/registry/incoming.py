"""Registry records arriving in a pull must agree with what this clone can check them against.

A version record must copy its run's facts (the run is looked up in the local runs and
in the runs arriving with it); a stage event or applied-state record must be exactly what
the default branch derives (as fetched from the remote, or as this clone has it): the
registry ref is not protected by any forge, the default branch is. Everything here reads
the fetched trees directly, before anything is merged, so a refusal leaves every local
ref as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from gitml.config import STAGES_FILE, Settings
from gitml.errors import InvalidRecord
from gitml.records import codec
from gitml.records.typed import typed
from gitml.registry import records as rec
from gitml.registry.consistency import version_problems
from gitml.registry.stagefile import Known
from gitml.registry.store import registry_collection, version_lookup
from gitml.registry.verify import VerifyReport, applied_over, expected_events
from gitml.runs.paths import runs_collection
from gitml.storage import REGISTRY_REF, RUNS_REF
from gitml.storage.collection import Collection, Snapshot
from gitml.storage.repo import GitRepo

if TYPE_CHECKING:
    from gitml.records.codec import Doc
    from gitml.records.shapes import AppliedRecord


def registry_problems(
    repo: GitRepo,
    tips: Mapping[str, str | None],
    added: Sequence[str],
    *,
    settings: Settings,
    branch_tips: Sequence[str],
) -> list[str]:
    """Problems of the registry records a pull would bring in (``added``: their paths).

    ``branch_tips``: the default branch as fetched and as the local clone has it.
    """
    collection = registry_collection(repo)
    theirs = collection.snapshot_at(tips.get(REGISTRY_REF))
    versions = [p for p in added if "/versions/" in p and p.startswith(f"{rec.PREFIX}/")]
    derived = [p for p in added if "/events/" in p or p.startswith(f"{rec.APPLIED_DIR}/")]
    out: list[str] = []
    if versions:
        runs = runs_collection(repo)
        snapshots = [runs.snapshot(), runs.snapshot_at(tips.get(RUNS_REF))]
        out += _version_problems(theirs, snapshots, versions)
    if derived:
        out += _derived_problems(
            repo, settings, [theirs, collection.snapshot()], derived, branch_tips
        )
    return out


def _derived_problems(
    repo: GitRepo,
    settings: Settings,
    snapshots: list[Snapshot],
    paths: Sequence[str],
    branch_tips: Sequence[str],
) -> list[str]:
    """Arriving events and applied-state records the default branch does not derive."""
    theirs = snapshots[0]
    docs = [(path, _load(theirs, path)) for path in paths]
    applied = _applied_rows(snapshots)
    valid = {path for path, _doc in applied}
    known = _known(snapshots)
    if not branch_tips:
        return [
            f"{REGISTRY_REF}: {path}: cannot be checked: there is no {settings.default_branch!r} "
            "branch here or on the remote to derive stage events from"
            for path, _doc in docs
        ]
    arriving = set(paths)
    unmatched = docs
    for tip in branch_tips:
        scratch = VerifyReport(settings.default_branch, tip)
        expected = {
            str(e["id"]): codec.to_jsonable(e)
            for e in expected_events(repo, settings, tip, known, applied, scratch).events
        }
        marker_problems = set(scratch.untrusted) | _applied_over_missing(
            repo, theirs, expected.values(), [(p, d) for p, d in applied if p in arriving]
        )
        unmatched = [
            (path, doc)
            for path, doc in unmatched
            if not _derives(path, doc, expected, marker_problems | _invalid(path, valid))
        ]
        if not unmatched:
            return []
    return [
        f"{REGISTRY_REF}: {path}: matches no change of {STAGES_FILE} on "
        f"{settings.default_branch!r} (written by hand, or from another history); it was "
        "forged or edited"
        for path, _doc in unmatched
    ]


def _applied_over_missing(
    repo: GitRepo,
    theirs: Snapshot,
    expected: Iterable[Mapping[str, Any]],
    arriving: Sequence[tuple[str, AppliedRecord]],
) -> set[str]:
    """Arriving applied-state records that say the default branch was applied past a
    change whose event the fetched log lacks (``registry apply`` would never write it)."""
    if not arriving:
        return set()
    out: set[str] = set()
    for event in expected:
        path = rec.event_path(str(event["model"]), int(event["seq"]), str(event["id"]))
        if not theirs.exists(path):
            over = applied_over(repo, event, arriving)
            if over is not None:
                out.add(over[0])
    return out


def _derives(path: str, doc: Doc | None, expected: Mapping[str, Any], bad: set[str]) -> bool:
    if doc is None:
        return False
    if path.startswith(f"{rec.APPLIED_DIR}/"):
        return not any(path in problem for problem in bad)
    return bool(expected.get(str(doc.get("id"))) == codec.to_jsonable(doc))


def _invalid(path: str, valid: set[str]) -> set[str]:
    """An arriving applied-state record that fails its schema is a problem of its own."""
    return {path} if path.startswith(f"{rec.APPLIED_DIR}/") and path not in valid else set()


def _load(snap: Snapshot, path: str) -> Doc | None:
    data = snap.read(path)
    if data is None:
        return None
    try:
        return codec.loads(data, where=path)
    except InvalidRecord:
        return None


def _applied_rows(snapshots: list[Snapshot]) -> list[tuple[str, AppliedRecord]]:
    """The valid applied-state records of ``snapshots`` (the index reports the others)."""
    rows: dict[str, AppliedRecord] = {}
    for snap in snapshots:
        for shard in snap.listdir(rec.APPLIED_DIR):
            for name in snap.listdir(f"{rec.APPLIED_DIR}/{shard}"):
                path = f"{rec.APPLIED_DIR}/{shard}/{name}"
                doc = _load(snap, path)
                if doc is None:
                    continue
                try:
                    applied = typed(codec.to_jsonable(doc), "applied", where=path)
                except InvalidRecord:
                    continue
                rows.setdefault(path, applied)
    return sorted(rows.items())


def _known(snapshots: list[Snapshot]) -> Known:
    lookups = [version_lookup(snap) for snap in snapshots]
    return lambda model, version: any(known(model, version) for known in lookups)


def _version_problems(theirs: Snapshot, runs: list[Snapshot], paths: Sequence[str]) -> list[str]:
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


def _find(snapshots: list[Snapshot], path: str) -> Doc | None:
    for snap in snapshots:
        data = snap.read(path)
        if data is not None:
            try:
                return codec.loads(data, where=path)
            except InvalidRecord:
                return None
    return None
