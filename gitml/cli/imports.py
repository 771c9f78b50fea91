"""``git ml import mlflow|dvc|gto``: bring history from other tools."""

from pathlib import Path
from typing import Annotated

import typer

from gitml.cli._declare import commands, followed_by
from gitml.cli._options import output_options

import_app = typer.Typer(
    name="import",
    help="Import runs, experiments and registries from MLflow, DVC and GTO (idempotent: "
    "running it again imports nothing twice).",
    no_args_is_help=True,
)


@followed_by(output_options)
def mlflow(
    source: Annotated[
        str,
        typer.Argument(
            metavar="SOURCE",
            help="An MLflow store: an mlruns folder (file store) or sqlite:///PATH.",
            show_default=False,
        ),
    ],
    experiment: Annotated[
        list[str] | None,
        typer.Option(
            "--experiment",
            "-e",
            metavar="NAME",
            help="Import only this experiment (repeatable).",
        ),
    ] = None,
    no_artifacts: Annotated[
        bool, typer.Option("--no-artifacts", help="Leave the runs' artifact files out.")
    ] = False,
) -> None:
    """Import MLflow runs (params, metric histories, tags, artifacts) and registered models."""


@followed_by(output_options)
def dvc(
    from_json: Annotated[
        Path | None,
        typer.Option(
            "--from-json",
            metavar="FILE",
            help="Read the experiments from this output of `dvc exp show --json` instead of "
            "refs/exps.",
        ),
    ] = None,
) -> None:
    """Import DVC experiments: params, metrics, dvc.lock dependencies and outputs."""


@followed_by(output_options)
def gto() -> None:
    """Import GTO's tags: model versions, and stage history on a branch to review."""


def register(app: typer.Typer) -> None:
    commands(import_app, "import_", mlflow, dvc, gto)
    app.add_typer(import_app)
