"""``git ml model register|ls|show|history|get|validate|card``."""

from pathlib import Path
from typing import Annotated

import typer

from gitml.cli._declare import commands, followed_by
from gitml.cli._options import DataRemoteOpt, JsonOpt, ModelNameArg, output_options
from gitml.cli._values import DIRS, FILES, MODEL_REFS, RUNS, STAGES, choices

model_app = typer.Typer(
    name="model",
    help="Registered model versions: register, list, show, history, get packages, validate "
    "input and write model cards.",
    no_args_is_help=True,
)


@followed_by(output_options)
def register_cmd(
    name: ModelNameArg,
    run: Annotated[
        str,
        typer.Option("--run", metavar="RUN", help="The run (id, unique id prefix or name)."),
        RUNS,
    ],
    artifact: Annotated[
        Path | None,
        typer.Option(
            "--artifact",
            metavar="PATH",
            help="The run's output to register (a path, a file in a folder output, or a copy "
            "of it); default: the file log_model named, else the run's single output.",
        ),
    ] = None,
    no_artifact: Annotated[
        bool,
        typer.Option(
            "--no-artifact", help="Register a version without a model file (lineage only)."
        ),
    ] = False,
    version: Annotated[
        str | None,
        typer.Option(
            "--version",
            metavar="VERSION",
            help="SemVer (1.4.0) or integer version (default: the next one).",
        ),
    ] = None,
    description: Annotated[
        str | None,
        typer.Option("--description", metavar="TEXT", help="What this version is."),
    ] = None,
    tag: Annotated[
        list[str] | None,
        typer.Option("--tag", "-t", metavar="KEY=VALUE", help="A tag (repeatable)."),
    ] = None,
    signature_from: Annotated[
        Path | None,
        typer.Option(
            "--signature-from",
            metavar="FILE",
            help="Infer the input signature from this example data file (CSV, Parquet, JSONL) "
            "or read it from a signature .json.",
        ),
    ] = None,
) -> None:
    """Register a version of model NAME from a run (code, params, metrics, data, artifact)."""


def ls_cmd(json: JsonOpt = False) -> None:
    """List registered models with their latest version and applied stages."""


def show_cmd(name: ModelNameArg, json: JsonOpt = False) -> None:
    """Show a model: applied stages, and every version with its run, code, data and artifact."""


def history_cmd(
    name: ModelNameArg,
    stage: Annotated[
        str | None,
        typer.Option("--stage", metavar="STAGE", help="Only the events of this stage."),
        STAGES,
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            metavar="WHEN",
            help="Only what had happened by this date or time (UTC unless given).",
        ),
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Registrations and stage changes of a model: what, who, when and from which commit."""


@followed_by(output_options)
def get_cmd(
    ref: Annotated[
        str,
        typer.Argument(
            metavar="MODEL", help="NAME@STAGE, NAME:VERSION or NAME (the latest version)."
        ),
        MODEL_REFS,
    ],
    to: Annotated[
        Path | None,
        typer.Option(
            "--to",
            metavar="DIR",
            help="Write a package here: the artifact and gitml-model.toml (+ MLmodel).",
        ),
        DIRS,
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            metavar="FORMAT",
            help="Package format with --to: gitml or mlflow (adds MLmodel).",
        ),
        choices("gitml", "mlflow"),
    ] = "gitml",
) -> None:
    """Print the path of a version's artifact, verified; with --to, write a model package."""


@followed_by(output_options)
def validate_cmd(
    ref: Annotated[
        str,
        typer.Argument(
            metavar="MODEL", help="NAME@STAGE, NAME:VERSION, NAME, or a package folder (--to DIR)."
        ),
        MODEL_REFS,
    ],
    data: Annotated[
        Path,
        typer.Option(
            "--data", "-d", metavar="FILE", help="The input data to check (CSV, Parquet, JSONL)."
        ),
    ],
) -> None:
    """Check input data against a model's signature: missing, extra, mistyped, out of range."""


@followed_by(output_options)
def card_cmd(
    ref: Annotated[
        str,
        typer.Argument(metavar="MODEL", help="NAME:VERSION, NAME@STAGE or NAME (latest)."),
        MODEL_REFS,
    ],
    fmt: Annotated[
        str,
        typer.Option("--format", metavar="FORMAT", help="markdown or html."),
        choices("markdown", "html"),
    ] = "markdown",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="FILE", help="Write the card to this file."),
        FILES,
    ] = None,
) -> None:
    """A model card: description, lineage, metrics, environment, promotions, monitoring."""


@followed_by(output_options)
def push_cmd(
    ref: Annotated[
        str,
        typer.Argument(metavar="MODEL", help="NAME (every version), NAME:VERSION or NAME@STAGE."),
        MODEL_REFS,
    ],
    remote: DataRemoteOpt = None,
    verify: Annotated[
        bool,
        typer.Option(
            "--verify",
            help="Re-hash what the remote holds for these artifacts and replace corrupt ones.",
        ),
    ] = False,
) -> None:
    """Upload artifacts to the data remote, so other clones and deployments can get them."""


def register(app: typer.Typer) -> None:
    commands(
        model_app,
        "model_",
        register_cmd,
        ls_cmd,
        show_cmd,
        history_cmd,
        get_cmd,
        validate_cmd,
        card_cmd,
        push_cmd,
    )
    app.add_typer(model_app)
