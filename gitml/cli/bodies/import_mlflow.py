"""The body of ``git ml import mlflow``."""

from __future__ import annotations

from collections.abc import Sequence

from gitml.cli.bodies.import_summary import print_summary
from gitml.imports.mlflow import import_mlflow
from gitml.objects.progress import NullProgress, progress_for
from gitml.storage.repo import open_repo


def mlflow(
    *,
    source: str,
    experiment: Sequence[str] | None = None,
    no_artifacts: bool = False,
    json: bool = False,
    quiet: bool = False,
) -> None:
    """Import an MLflow store: runs, metric histories, artifacts, registered models."""
    with NullProgress() if json or quiet else progress_for() as progress:
        progress.phase("importing runs")
        summary = import_mlflow(
            open_repo(),
            source,
            experiments=experiment or (),
            artifacts=not no_artifacts,
            progress=progress,
        )
    print_summary(summary, json, quiet=quiet)
