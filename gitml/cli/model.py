"""``git ml model register|ls|show|history|get``."""

from pathlib import Path
from typing import Annotated, Any

import typer

from gitml.cli._options import JsonOpt
from gitml.cli._output import Output

model_app = typer.Typer(
    name="model",
    help="Registered model versions: register, list, show, history and get artifacts.",
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
        Path | None, typer.Option("--to", help="Copy the artifact into this folder.")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Print the path of a version's artifact, verified against its digest."""
    from gitml.registry.deploy import get_artifact

    repo, settings = _settings_repo()
    result = get_artifact(repo, settings, ref, to=to)
    out = Output(json)
    if json:
        out.json(result)
        return
    out.line(result["path"])
    out.info(
        f"{result['model']} {result['version']}: {result['digest']} "
        f"({_size(result['size'])}) verified"
    )


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
