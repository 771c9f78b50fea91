"""``git ml import gto``: GTO's registry (git tags) as gitml versions and stage history.

GTO keeps its registry in annotated tags: ``NAME@VERSION`` registers a version on a
commit, ``NAME@VERSION!`` deregisters it, ``NAME#STAGE#N`` assigns a stage to the version
registered on the tag's commit and ``NAME#STAGE!#N`` unassigns it. Each version becomes a
gitml run (the version's commit, the artifact file of ``artifacts.yaml`` at that commit
cached as its output, the tag in ``gitml.import.*`` tags) and a version registered from
it; events become commits of ``.gitml/stages.toml`` on the branch ``gitml-import/gto`` in
the tags' order (a deregistration moves the version to ``archived``). Stages that
``.gitml/config.toml`` does not name are reported and skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gitml.config import load_settings
from gitml.data.run_io import cache_outputs
from gitml.imports.records import (
    ORIGINAL_ID_TAG,
    SOURCE_TAG,
    ImportSummary,
    build_run,
    existing_ids,
    register_version,
    stable_id,
    stage_branch,
    write_runs,
)
from gitml.registry.names import parse_version
from gitml.registry.register import RegisterRequest
from gitml.registry.store import registry_collection, versions_in
from gitml.storage.foreign import file_at, list_refs

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject, RunRecord
    from gitml.storage.foreign import ForeignRef
    from gitml.storage.repo import GitRepo

BRANCH = "gitml-import/gto"
_VERSION = re.compile(r"(?P<model>[a-z0-9][a-z0-9._-]*)@(?P<version>[^@#!]+)(?P<gone>!)?")
_STAGE = re.compile(r"(?P<model>[a-z0-9][a-z0-9._-]*)#(?P<stage>[^#!]+)(?P<gone>!)?#(?P<n>\d+)")


@dataclass(frozen=True)
class GtoEvent:
    """One GTO tag, in history order."""

    kind: str  # register, deregister, assign, unassign
    model: str
    version: str | None
    stage: str | None
    ref: ForeignRef


def read_events(repo: GitRepo) -> list[GtoEvent]:
    """GTO's events from the repository's tags, oldest first (GTO's order)."""

    events: list[GtoEvent] = []
    version_at: dict[tuple[str, str], str] = {}  # (model, commit) -> version
    refs = list_refs(repo, "refs/tags/")
    for ref in refs:
        tag = ref.name.removeprefix("refs/tags/")
        found = _VERSION.fullmatch(tag)
        if found:
            kind = "deregister" if found["gone"] else "register"
            events.append(
                GtoEvent(
                    kind=kind, model=found["model"], version=found["version"], stage=None, ref=ref
                )
            )
            if kind == "register":
                version_at[(found["model"], ref.commit)] = found["version"]
    for ref in refs:
        found = _STAGE.fullmatch(ref.name.removeprefix("refs/tags/"))
        if found:
            version = version_at.get((found["model"], ref.commit))
            kind = "unassign" if found["gone"] else "assign"
            events.append(
                GtoEvent(
                    kind=kind, model=found["model"], version=version, stage=found["stage"], ref=ref
                )
            )
    order = {e.ref.name: i for i, e in enumerate(events)}
    return sorted(
        events,
        key=lambda e: (e.ref.time, _LIFECYCLE[e.kind], _number(e.ref.name), order[e.ref.name]),
    )


# Tag times have one-second resolution; within one second a version is registered, then
# assigned (in GTO's own numbering of assignment tags), then deregistered.
_LIFECYCLE = {"register": 0, "assign": 1, "unassign": 1, "deregister": 2}


def _number(name: str) -> int:
    tail = name.rsplit("#", 1)[-1]
    return int(tail) if tail.isdigit() else -1


def _artifact_path(repo: GitRepo, commit: str, model: str) -> str | None:
    """The path ``artifacts.yaml`` gives the model at ``commit`` (GTO's annotations)."""
    import yaml

    data = file_at(repo, commit, "artifacts.yaml")
    try:
        found = yaml.safe_load(data) if data else None
    except yaml.YAMLError:
        return None
    entry = found.get(model) if isinstance(found, dict) else None
    path = entry.get("path") if isinstance(entry, dict) else None
    return str(path) if path else None


def _version_run(repo: GitRepo, event: GtoEvent) -> tuple[RunRecord, bytes | None]:
    assert event.version is not None
    outputs: dict[str, str] = {}
    path = _artifact_path(repo, event.ref.commit, event.model)
    if path is not None:
        data = file_at(repo, event.ref.commit, path)
        if data is not None:
            import tempfile

            with tempfile.TemporaryDirectory() as tmp:
                copy = Path(tmp) / Path(path).name
                copy.write_bytes(data)
                outputs, _failed = cache_outputs(repo.workdir, {path: copy})
    tag = event.ref.name.removeprefix("refs/tags/")
    return build_run(
        run_id=stable_id(event.ref.time * 1000, f"gto:{tag}"),
        name=f"gto-{event.model}-{event.version}"[:64].replace("@", "-"),
        status="completed",
        started_ms=event.ref.time * 1000,
        ended_ms=event.ref.time * 1000,
        command=["gto", "register", event.model],
        user=event.ref.person,
        commit=event.ref.commit,
        params={},
        events=[],
        tags={SOURCE_TAG: "gto", ORIGINAL_ID_TAG: tag, "gto.message": event.ref.message},
        outputs=outputs,
    )


def import_gto(repo: GitRepo) -> ImportSummary:
    """Import GTO's tags (see the module doc); running it again imports nothing twice."""

    summary = ImportSummary(source="gto")
    events = read_events(repo)
    registrations = [e for e in events if e.kind == "register"]
    docs = [_version_run(repo, e) for e in registrations]
    known = existing_ids(repo, [str(d["id"]) for d, _ in docs])
    fresh = [d for d in docs if d[0]["id"] not in known]
    write_runs(repo, fresh, f"gitml import gto: {len(fresh)} version runs")
    summary.runs, summary.skipped = len(fresh), len(docs) - len(fresh)
    for event, (doc, _history) in zip(registrations, docs, strict=True):
        assert event.version is not None
        version = parse_version(event.version).text
        if version in versions_in(registry_collection(repo).snapshot(), event.model):
            summary.versions_skipped += 1
            continue
        request = RegisterRequest(
            model=event.model,
            run=str(doc["id"]),
            version=version,
            no_artifact=not doc["outputs"],
            tags={SOURCE_TAG: "gto", ORIGINAL_ID_TAG: event.ref.name},
        )
        register_version(repo, request, summary, f"{event.model}@{event.version}")
    summary.stage_branch = _stage_history(repo, events, summary)
    return summary


def _stage_history(repo: GitRepo, events: list[GtoEvent], summary: ImportSummary) -> str | None:
    settings = load_settings(repo.workdir_or_gitdir)
    terminal = settings.terminal_stages[0] if settings.terminal_stages else None
    held: dict[str, JsonObject] = {}
    changes: list[tuple[str, dict[str, JsonObject], str]] = []
    for event in events:
        if event.kind == "register" or event.version is None:
            continue
        version = parse_version(event.version).text
        stages = held.setdefault(event.model, {})
        if event.kind == "deregister":
            if terminal is None:
                continue
            change: JsonObject = {s: None for s, v in stages.items() if v == version}
            archived = sorted({*stages.get(terminal, ()), version})
            change[terminal] = archived
        elif event.stage not in settings.stages:
            summary.problems.append(
                f"{event.ref.name.removeprefix('refs/tags/')}: stage {event.stage!r} is not "
                "in .gitml/config.toml (stages.order); not imported"
            )
            continue
        elif event.kind == "assign":
            change = {event.stage: version}
        else:
            change = {event.stage: None} if stages.get(event.stage) == version else {}
        for stage, value in change.items():
            if value is None:
                stages.pop(stage, None)
            else:
                stages[stage] = value
        tag = event.ref.name.removeprefix("refs/tags/")
        changes.append((f"gitml import gto: {tag}", {event.model: change}, event.ref.message))
    return stage_branch(repo, changes, name=BRANCH)
