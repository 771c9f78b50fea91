"""``git ml model register|ls|show|history|get|validate|card``."""

from pathlib import Path
from typing import Annotated

import typer

from gitml.cli import _model_cmds as _cmds
from gitml.cli._options import JsonOpt
from gitml.cli._output import Output
from gitml.cli._repo import repo_and_settings

model_app = typer.Typer(
    name="model",
    help="Registered model versions: register, list, show, history, get packages, validate "
    "input and write model cards.",
    no_args_is_help=True,
)
NameArg = Annotated[str, typer.Argument(help="The model name.", show_default=False)]


@model_app.command("register")
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
    _cmds.register(
        name,
        run,
        artifact=artifact,
        version=version,
        description=description,
        tag=tag,
        signature_from=signature_from,
        json=json,
        no_artifact=no_artifact,
    )


@model_app.command("ls")
def ls_cmd(json: JsonOpt = False) -> None:
    """List registered models with their latest version and applied stages."""
    _cmds.ls(json)


@model_app.command("show")
def show_cmd(name: NameArg, json: JsonOpt = False) -> None:
    """Show a model: applied stages, and every version with its run, code, data and artifact."""
    _cmds.show(name, json)


@model_app.command("history")
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
    _cmds.history(name, stage, as_of, json)


@model_app.command("get")
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
    _cmds.get(ref, to, fmt, json)


@model_app.command("validate")
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
    from gitml.models.check import check_frame, errors
    from gitml.models.package import PackageError, read_package
    from gitml.models.signature import read_table

    if Path(ref).is_dir():
        signature = read_package(ref).get("signature")
        label = ref
    else:
        from gitml.registry.query import parse_ref, resolve

        repo, settings = repo_and_settings()
        doc = resolve(repo, settings, parse_ref(ref))
        signature = doc.get("signature")
        label = f"{doc['model']} {doc['version']}"
    if not signature:
        raise PackageError(
            f"{label} has no signature; register it with `gitml.log_model(..., "
            "input_example=...)` or `git ml model register ... --signature-from FILE`"
        )
    problems = check_frame(read_table(data), signature)
    out = Output(json)
    if json:
        out.json({"model": label, "data": str(data), "problems": [p.as_dict() for p in problems]})
    else:
        for problem in problems:
            (out.error if problem.severity == "error" else out.warn)(problem.message)
        if not problems:
            out.line(f"{data}: conforms to the signature of {label}")
    if errors(problems):
        raise typer.Exit(1)


@model_app.command("card")
def card_cmd(
    ref: Annotated[str, typer.Argument(help="NAME:VERSION, NAME@STAGE or NAME (latest).")],
    fmt: Annotated[str, typer.Option("--format", help="markdown or html.")] = "markdown",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the card to this file.")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """A model card: description, lineage, metrics, environment, promotions, monitoring."""
    from gitml.models.card import build_card, render

    repo, settings = repo_and_settings()
    card = build_card(repo, settings, ref)
    out = Output(json)
    if json:
        out.json(card)
        return
    text = render(card, fmt)
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    out.info(f"wrote {output}")


@model_app.command("push")
def push_cmd(
    ref: Annotated[
        str,
        typer.Argument(help="NAME (every version), NAME:VERSION or NAME@STAGE."),
    ],
    remote: Annotated[
        str | None,
        typer.Option("--remote", "-r", help="The data remote (default: the configured one)."),
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Upload artifacts to the data remote, so other clones and deployments can get them."""
    from gitml.registry.deploy import push_artifacts

    repo, settings = repo_and_settings()
    result = push_artifacts(repo, settings, ref, remote=remote)
    out = Output(json)
    if json:
        out.json(result)
    else:
        out.line(
            f"{result['model']}: {len(result['uploaded'])} artifact(s) uploaded, "
            f"{len(result['present'])} already on {result['remote']}"
        )
        for digest in result["missing"]:
            out.warn(f"{digest} is not in the local cache; push it from the clone that has it")
        for digest, message in result["failed"].items():
            out.error(f"{digest}: {message}")
    if result["missing"] or result["failed"]:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(model_app)
