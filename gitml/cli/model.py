"""``git ml model register|ls|show|history|get|validate|card``."""

from pathlib import Path
from typing import Annotated

import typer

from gitml.cli import _model_cmds as _cmds
from gitml.cli._declare import command
from gitml.cli._options import JsonOpt

model_app = typer.Typer(
    name="model",
    help="Registered model versions: register, list, show, history, get packages, validate "
    "input and write model cards.",
    no_args_is_help=True,
)
NameArg = Annotated[str, typer.Argument(help="The model name.", show_default=False)]


def register_cmd(
    name: NameArg,
    run: Annotated[
        str, typer.Option("--run", "-r", help="The run (id, unique id prefix or name).")
    ],
    artifact: Annotated[
        Path | None,
        typer.Option(
            "--artifact",
            "-a",
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
            "--version", "-v", help="SemVer (1.4.0) or integer version (default: the next one)."
        ),
    ] = None,
    description: Annotated[
        str | None, typer.Option("--description", "-d", help="What this version is.")
    ] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", "-t", help="A tag KEY=VALUE (repeatable).")
    ] = None,
    signature_from: Annotated[
        Path | None,
        typer.Option(
            "--signature-from",
            help="Infer the input signature from this example data file (CSV, Parquet, JSONL) "
            "or read it from a signature .json.",
        ),
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Register a version of model NAME from a run (code, params, metrics, data, artifact)."""


def ls_cmd(json: JsonOpt = False) -> None:
    """List registered models with their latest version and applied stages."""


def show_cmd(name: NameArg, json: JsonOpt = False) -> None:
    """Show a model: applied stages, and every version with its run, code, data and artifact."""


def history_cmd(
    name: NameArg,
    stage: Annotated[
        str | None, typer.Option("--stage", "-s", help="Only the events of this stage.")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="Only what had happened by this date or time (UTC unless given)."
        ),
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Registrations and stage changes of a model: what, who, when and from which commit."""


def get_cmd(
    ref: Annotated[
        str,
        typer.Argument(help="NAME@STAGE, NAME:VERSION or NAME (the latest version)."),
    ],
    to: Annotated[
        Path | None,
        typer.Option(
            "--to", help="Write a package here: the artifact and gitml-model.toml (+ MLmodel)."
        ),
    ] = None,
    fmt: Annotated[
        str,
        typer.Option("--format", help="Package format with --to: gitml or mlflow (adds MLmodel)."),
    ] = "gitml",
    json: JsonOpt = False,
) -> None:
    """Print the path of a version's artifact, verified; with --to, write a model package."""


def validate_cmd(
    ref: Annotated[
        str,
        typer.Argument(help="NAME@STAGE, NAME:VERSION, NAME, or a package folder (--to DIR)."),
    ],
    data: Annotated[
        Path, typer.Option("--data", help="The input data to check (CSV, Parquet, JSONL).")
    ],
    json: JsonOpt = False,
) -> None:
    """Check input data against a model's signature: missing, extra, mistyped, out of range."""


def card_cmd(
    ref: Annotated[str, typer.Argument(help="NAME:VERSION, NAME@STAGE or NAME (latest).")],
    fmt: Annotated[str, typer.Option("--format", help="markdown or html.")] = "markdown",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the card to this file.")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """A model card: description, lineage, metrics, environment, promotions, monitoring."""


def push_cmd(
    ref: Annotated[
        str,
        typer.Argument(help="NAME (every version), NAME:VERSION or NAME@STAGE."),
    ],
    remote: Annotated[
        str | None,
        typer.Option("--remote", "-r", help="The data remote (default: the configured one)."),
    ] = None,
    verify: Annotated[
        bool,
        typer.Option(
            "--verify",
            help="Re-hash what the remote holds for these artifacts and replace corrupt ones.",
        ),
    ] = False,
    json: JsonOpt = False,
) -> None:
    """Upload artifacts to the data remote, so other clones and deployments can get them."""


def register(app: typer.Typer) -> None:
    command(model_app, "register", register_cmd, _cmds.register)
    command(model_app, "ls", ls_cmd, _cmds.ls)
    command(model_app, "show", show_cmd, _cmds.show)
    command(model_app, "history", history_cmd, _cmds.history)
    command(model_app, "get", get_cmd, _cmds.get)
    command(model_app, "validate", validate_cmd, _cmds.validate)
    command(model_app, "card", card_cmd, _cmds.card)
    command(model_app, "push", push_cmd, _cmds.push)
    app.add_typer(model_app)
