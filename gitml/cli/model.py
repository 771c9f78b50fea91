"""``git ml model register|ls|show|history|get|validate|card``."""

from pathlib import Path
from typing import Annotated, Any

import typer

from gitml.cli._options import JsonOpt
from gitml.cli._output import Output

model_app = typer.Typer(
    name="model",
    help="Registered model versions: register, list, show, history, get packages, validate "
    "input and write model cards.",
    no_args_is_help=True,
)
NameArg = Annotated[str, typer.Argument(help="The model name.", show_default=False)]


def _settings_repo() -> tuple[Any, Any]:
    from gitml.config import load_settings
    from gitml.storage.repo import open_repo

    repo = open_repo()
    return repo, load_settings(repo.workdir)


def _size(size: int) -> str:
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return str(size)


def _when(iso: str) -> str:
    """``2026-01-02T03:04:05+00:00`` -> ``2026-01-02 03:04`` (tables; JSON keeps the full time)."""
    return iso[:16].replace("T", " ")


def _stages_text(stages: dict[str, Any]) -> str:
    parts = []
    for stage, value in stages.items():
        shown = ",".join(value) if isinstance(value, list) else value
        parts.append(f"{stage}={shown}")
    return " ".join(parts)


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
            help="The model file to register (default: the run's single output, if unchanged).",
        ),
    ] = None,
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
    from gitml.registry.register import RegisterRequest
    from gitml.registry.register import register as do_register
    from gitml.runs.params import parse_tag
    from gitml.storage.repo import open_repo

    request = RegisterRequest(
        model=name,
        run=run,
        artifact=artifact,
        version=version,
        description=description,
        tags=dict(parse_tag(t) for t in tag or ()),
        signature_from=signature_from,
    )
    doc = do_register(open_repo(), request)
    out = Output(json)
    if json:
        out.json(doc)
        return
    art = doc.get("artifact")
    art_text = f", artifact {art['path']} {art['digest']} ({_size(art['size'])})" if art else ""
    out.line(
        f"registered {doc['model']} {doc['version']} (run {doc['run']['id']} "
        f"{doc['run']['name']}{art_text})"
    )
    if not art:
        out.warn("no artifact registered; pass --artifact PATH so `git ml model get` can deploy it")


@model_app.command("ls")
def ls_cmd(json: JsonOpt = False) -> None:
    """List registered models with their latest version and applied stages."""
    from gitml.registry.query import list_models

    repo, settings = _settings_repo()
    models = list_models(repo, settings)
    out = Output(json)
    if json:
        out.json(models)
        return
    if not models:
        out.info("no models registered yet; `git ml model register NAME --run RUN` adds one")
        return
    rows = [{**m, "stages": _stages_text(m["stages"])} for m in models]
    out.table(
        [{**r, "updated": _when(r["updated"])} for r in rows],
        ["name", "versions", "latest", "stages", "updated"],
        never_truncate=["name", "latest", "stages"],
    )


@model_app.command("show")
def show_cmd(name: NameArg, json: JsonOpt = False) -> None:
    """Show a model: applied stages, and every version with its run, code, data and artifact."""
    from gitml.registry.query import show_model

    repo, settings = _settings_repo()
    model = show_model(repo, settings, name)
    out = Output(json)
    if json:
        out.json(model)
        return
    versions = model["versions"]
    out.line(f"model {model['name']}: {len(versions)} version(s), latest {model['latest']}")
    out.line(f"stages: {_stages_text(model['stages']) or '(none applied)'}")
    if model["pending"]:
        out.line(
            "pending in .gitml/stages.toml (not applied yet): "
            + _stages_text(
                {k: v if v is not None else "(none)" for k, v in model["pending"].items()}
            )
        )
    by_version = {v["version"]: v for v in versions}
    for stage, held in model["stages"].items():
        if isinstance(held, str) and held in by_version:
            _lineage(out, stage, by_version[held])
    metrics = sorted(versions[0]["metrics"])[:3] if versions else []
    rows = []
    for v in versions:
        rows.append(
            {
                "version": v["version"],
                "stages": ",".join(v["stages"]),
                "created": _when(v["created"]),
                "run": f"{v['run']} {v['run_name'] or ''}".rstrip(),
                "code": v["code"]["commit"][:12] + ("+dirty" if v["code"].get("dirty") else ""),
                **{f"metrics.{m}": v["metrics"].get(m) for m in metrics},
            }
        )
    out.line()
    out.table(
        rows,
        ["version", "stages", "created", "run", "code", *(f"metrics.{m}" for m in metrics)],
        headers={f"metrics.{m}": m for m in metrics},
        never_truncate=["version", "stages", "run"],
    )


def _lineage(out: Output, stage: str, v: dict[str, Any]) -> None:
    """Where a stage's version came from: run, code, data and artifact."""
    code = v["code"]
    dirty = ", with uncommitted changes" if code.get("dirty") else ""
    out.line()
    out.line(f"{stage} {v['version']}")
    out.line(f"  run       {v['run']} {v['run_name'] or ''}".rstrip())
    out.line(f"  code      {code['commit']} (checkpoint {code['checkpoint'][:12]}{dirty})")
    for name, digest in sorted(v["inputs"].items()):
        out.line(f"  data      {name} {digest}")
    art = v["artifact"]
    if art:
        out.line(f"  artifact  {art['path']} {art['digest']} ({_size(art['size'])})")


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
    from gitml.registry.query import history, parse_when

    repo, settings = _settings_repo()
    when = parse_when(as_of) if as_of else None
    result = history(repo, settings, name, stage=stage, as_of=when)
    out = Output(json)
    if json:
        out.json(result)
        return
    rows = [
        {
            "time": _when(e["time"]),
            "event": e["summary"],
            "who": e["who"]["name"],
            "commit": (e["commit"] or "")[:12],
            "source": e["source"],
        }
        for e in result["events"]
    ]
    if rows:
        out.table(rows, ["time", "event", "who", "commit", "source"], never_truncate=["event"])
    else:
        out.info("no events")
    label = f"stages as of {as_of}" if as_of else "stages"
    out.info(f"{label}: {_stages_text(result['stages']) or '(none)'}")


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
    from gitml.models.package import check_format, write_package
    from gitml.registry.deploy import get_artifact

    check_format(fmt)
    repo, settings = _settings_repo()
    out = Output(json)
    if to is not None:
        package = write_package(repo, settings, ref, to, fmt=fmt)
        if json:
            out.json(package)
            return
        out.line(package["path"])
        art = package["artifact"]
        out.info(
            f"{package['name']} {package['version']}: {art['digest']} ({_size(art['size'])}) "
            f"verified; wrote {', '.join(package['files'])}"
        )
        return
    result = get_artifact(repo, settings, ref)
    if json:
        out.json(result)
        return
    out.line(result["path"])
    out.info(
        f"{result['model']} {result['version']}: {result['digest']} "
        f"({_size(result['size'])}) verified"
    )


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

        repo, settings = _settings_repo()
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

    repo, settings = _settings_repo()
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

    repo, settings = _settings_repo()
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
