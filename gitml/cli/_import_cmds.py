"""The bodies of ``git ml import mlflow|dvc|gto`` (typer-free)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from gitml.cli._output import Output
from gitml.storage.repo import open_repo

if TYPE_CHECKING:
    from gitml.imports.records import ImportSummary


def _report(summary: ImportSummary, json: bool, *, quiet: bool = False) -> None:
    out = Output(json, quiet=quiet)
    for problem in summary.problems:
        out.warn(problem)
    lines = [
        f"imported {summary.runs} run{'s' if summary.runs != 1 else ''} from {summary.source}"
        f" ({summary.skipped} already here)"
    ]
    if summary.versions or summary.versions_skipped:
        lines.append(
            f"registered {summary.versions} model version(s) ({summary.versions_skipped} "
            "already here)"
        )
    if summary.stage_branch:
        lines.append(
            f"stage assignments are on branch {summary.stage_branch}: review it, merge it "
            "with --ff-only (or open a pull request), then `git ml registry apply`"
        )
    if json:
        out.json(summary.as_dict())
    else:
        for line in lines:
            out.info(line)


def mlflow(
    *,
    source: str,
    experiment: Sequence[str] | None = None,
    no_artifacts: bool = False,
    json: bool = False,
    quiet: bool = False,
) -> None:
    """Import an MLflow store: runs, metric histories, artifacts, registered models."""
    from gitml.imports.mlflow import import_mlflow
    from gitml.objects.progress import NullProgress, progress_for

    with NullProgress() if json or quiet else progress_for() as progress:
        progress.phase("importing runs")
        summary = import_mlflow(
            open_repo(),
            source,
            experiments=experiment or (),
            artifacts=not no_artifacts,
            progress=progress,
        )
    _report(summary, json, quiet=quiet)


def dvc(*, from_json: Path | None = None, json: bool = False, quiet: bool = False) -> None:
    """Import DVC experiments (refs/exps, or the JSON of `dvc exp show --json`)."""
    from gitml.imports.dvc import import_dvc

    _report(import_dvc(open_repo(), from_json=from_json), json, quiet=quiet)


def gto(*, json: bool = False, quiet: bool = False) -> None:
    """Import GTO's registry tags: versions, and stage history on a branch for review."""
    from gitml.imports.gto import import_gto

    _report(import_gto(open_repo()), json, quiet=quiet)
