"""``git ml import mlflow SOURCE``: MLflow runs, metric histories, artifacts and
registered models as gitml records.

Each MLflow run becomes a run: params as MLflow's text, every metric value with its
step and timestamp, MLflow's tags, its experiment as the ``experiment`` tag and its
original ids in ``gitml.import.*`` tags; nested runs keep their parent; ``FINISHED``,
``FAILED`` and ``KILLED`` become ``completed``, ``failed`` and ``interrupted`` (a run still
``RUNNING`` is ``interrupted``, its MLflow status kept in ``gitml.import.status``). Local
artifacts are cached like outputs (images, text, tables as media; model folders set the
``gitml.model`` tag); only files inside the store are read, never through a link, so a
store someone else wrote cannot import the user's own files. Registered versions are registered again under gitml names
(``gitml.tracking.mlflow_plugin.registry.model_name``); aliases and legacy stages that
name a configured stage become ``.gitml/stages.toml`` on the branch
``gitml-import/mlflow`` for review.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from gitml.config import load_settings
from gitml.imports.mlflow_source import SourceRun, SourceVersion, open_source
from gitml.imports.records import (
    ORIGINAL_ID_TAG,
    SOURCE_TAG,
    ImportSummary,
    build_run,
    existing_ids,
    register_version,
    run_name,
    stable_id,
    stage_branch,
    write_runs,
)
from gitml.registry.names import model_name_from_mlflow as model_name
from gitml.registry.register import RegisterRequest
from gitml.registry.store import registry_collection, versions_in
from gitml.runs.attached import ingest, media_info, model_tag
from gitml.runs.metrics import MetricEvent
from gitml.runs.tags import MODEL_TAG

if TYPE_CHECKING:
    from gitml.objects.progress import Progress
    from gitml.records.shapes import JsonObject, MediaTable, RunRecord, RunStatus
    from gitml.storage.repo import GitRepo

BATCH = 500
STATUS: dict[str, RunStatus] = {
    "FINISHED": "completed",
    "FAILED": "failed",
    "KILLED": "interrupted",
}
EXPERIMENT_TAG = "experiment"
BRANCH = "gitml-import/mlflow"


def gitml_id(run: SourceRun) -> str:
    return stable_id(run.start_ms, f"mlflow:{run.run_id}")


def _record(
    repo: GitRepo, run: SourceRun, parents: dict[str, str], artifacts: bool
) -> tuple[tuple[RunRecord, bytes | None], list[str]]:
    tags = dict(run.tags)
    tags[EXPERIMENT_TAG] = run.experiment
    tags[SOURCE_TAG] = "mlflow"
    tags[ORIGINAL_ID_TAG] = run.run_id
    status = STATUS.get(run.status)
    if status is None:
        status = "interrupted"
        tags["gitml.import.status"] = run.status
    outputs: dict[str, str] = {}
    media: list[MediaTable] = []
    problems: list[str] = []
    if artifacts and run.artifacts is not None:
        outputs, media, problems, model = _artifacts(repo, run.artifacts)
        if model is not None:
            tags[MODEL_TAG] = json.dumps(model)
    events = [
        MetricEvent(name=key, step=step, value=value, timestamp=stamp)
        for key, value, stamp, step in run.metrics
    ]
    source = run.tags.get("mlflow.source.name")
    return build_run(
        run_id=gitml_id(run),
        name=run_name(run.name, "mlflow-run"),
        status=status,
        started_ms=run.start_ms,
        ended_ms=run.end_ms or run.start_ms,
        command=[source] if source else ["mlflow"],
        user=run.user,
        commit=run.tags.get("mlflow.source.git.commit"),
        params=run.params,
        events=events,
        tags=tags,
        parent=parents.get(run.tags.get("mlflow.parentRunId", "")),
        outputs=outputs,
        media=media,
    ), problems


def _artifacts(
    repo: GitRepo, folder: Path
) -> tuple[dict[str, str], list[MediaTable], list[str], JsonObject | None]:
    """Files of a run's artifact folder, cached by name (model folders whole)."""

    files: list[JsonObject] = []
    skipped: list[str] = []
    model: JsonObject | None = None

    def walk(path: Path, name: str) -> None:
        nonlocal model
        if path.is_symlink():  # the store is someone else's: never read where a link points
            skipped.append(f"artifact {name}: not imported: it is a symbolic link")
        elif path.is_dir():
            tag = model_tag(name, path) if name else None
            if tag is not None:
                files.append({"name": name, "path": str(path)})
                model = model or {k: v for k, v in tag.items() if v}
                return
            for child in sorted(path.iterdir()):
                walk(child, f"{name}/{child.name}" if name else child.name)
        elif path.is_file():
            files.append({**media_info(name, path), "name": name, "path": str(path)})

    walk(folder, "")
    outputs, media, problems = ingest(files, repo.workdir)
    return outputs, media, skipped + problems, model


def import_mlflow(
    repo: GitRepo,
    source: str,
    *,
    experiments: Iterable[str] = (),
    artifacts: bool = True,
    progress: Progress | None = None,
    warn: Callable[[str], None] | None = None,
) -> ImportSummary:
    """Import an MLflow store (see the module doc); running it again imports nothing twice."""
    store = open_source(source)
    wanted = set(experiments)
    summary = ImportSummary(source=source)
    runs = [r for r in store.runs() if not wanted or r.experiment in wanted]
    parents = {r.run_id: gitml_id(r) for r in runs}
    known = existing_ids(repo, list(parents.values()))
    if progress is not None:
        progress.add_total(files=len(runs))
    batch: list[tuple[RunRecord, bytes | None]] = []
    for run in runs:
        if parents[run.run_id] in known:
            summary.skipped += 1
        else:
            record, problems = _record(repo, run, parents, artifacts)
            batch.append(record)
            summary.problems += [f"run {run.run_id}: {p}" for p in problems]
        if len(batch) >= BATCH:
            write_runs(repo, batch, f"gitml import mlflow: {len(batch)} runs from {source}")
            summary.runs += len(batch)
            batch = []
        if progress is not None:
            progress.update(files=1)
    write_runs(repo, batch, f"gitml import mlflow: {len(batch)} runs from {source}")
    summary.runs += len(batch)
    versions = store.versions()
    _register(repo, versions, parents, summary)
    summary.stage_branch = _stages(repo, versions, summary)
    for problem in summary.problems:
        if warn is not None:
            warn(problem)
    return summary


def _register(
    repo: GitRepo, versions: list[SourceVersion], parents: dict[str, str], summary: ImportSummary
) -> None:
    for version in versions:
        name = model_name(version.model)
        if str(version.version) in versions_in(registry_collection(repo).snapshot(), name):
            summary.versions_skipped += 1
            continue
        run = parents.get(version.run_id or "")
        if run is None:
            summary.problems.append(
                f"model {version.model} version {version.version}: its run "
                f"{version.run_id} was not imported; not registered"
            )
            continue
        request = RegisterRequest(
            model=name,
            run=run,
            version=str(version.version),
            description=version.description,
            tags={"gitml.import.source": "mlflow", "gitml.import.model": version.model},
        )
        register_version(repo, request, summary, f"model {version.model} version {version.version}")


def _stages(repo: GitRepo, versions: list[SourceVersion], summary: ImportSummary) -> str | None:
    stages = set(load_settings(repo.workdir_or_gitdir).stages)
    wanted: dict[str, JsonObject] = {}
    for version in versions:
        for alias in version.aliases:
            if alias.lower() in stages:
                wanted.setdefault(model_name(version.model), {})[alias.lower()] = str(
                    version.version
                )
            else:
                summary.problems.append(
                    f"model {version.model}: alias {alias!r} is no stage of .gitml/config.toml;"
                    " not imported"
                )
    if not wanted:
        return None
    return stage_branch(
        repo,
        [("gitml import mlflow: aliases as stages", wanted, "from MLflow's registered models")],
        name=BRANCH,
    )
