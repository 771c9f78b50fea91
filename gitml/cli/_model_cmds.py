"""The bodies of ``git ml model ...``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from gitml.cli._output import Output
from gitml.cli._repo import repo_and_settings
from gitml.storage.repo import open_repo
from gitml.units import format_bytes, format_time

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject


def _stages_text(stages: JsonObject) -> str:
    parts = []
    for stage, value in stages.items():
        shown = ",".join(value) if isinstance(value, list) else value
        parts.append(f"{stage}={shown}")
    return " ".join(parts)


def register(
    *,
    name: str,
    run: str,
    artifact: Path | None = None,
    no_artifact: bool = False,
    version: str | None = None,
    description: str | None = None,
    tag: Sequence[str] | None = None,
    signature_from: Path | None = None,
    json: bool = False,
    quiet: bool = False,
) -> None:
    """Register a version of model NAME from a run (code, params, metrics, data, artifact)."""
    from gitml.registry.register import RegisterRequest
    from gitml.registry.register import register as do_register
    from gitml.runs.params import parse_tag

    request = RegisterRequest(
        model=name,
        run=run,
        artifact=artifact,
        version=version,
        description=description,
        tags=dict(parse_tag(t) for t in tag or ()),
        signature_from=signature_from,
        no_artifact=no_artifact,
    )
    out = Output(json, quiet=quiet)
    doc = do_register(open_repo(), request, warn=out.warn)
    if json:
        out.json(doc)
        return
    art = doc.get("artifact")
    art_text = (
        f", artifact {art['path']} {art['digest']} ({format_bytes(art['size'])})" if art else ""
    )
    out.summary(
        f"registered {doc['model']} {doc['version']} (run {doc['run']['id']} "
        f"{doc['run']['name']}{art_text})"
    )
    if not art:
        out.info("registered without an artifact (--no-artifact): `git ml model get` has no file")


def ls(*, json: bool = False) -> None:
    """List registered models with their latest version and applied stages."""
    from gitml.registry.query import list_models

    repo, settings = repo_and_settings()
    models = list_models(repo, settings)
    out = Output(json)
    none = "no models registered yet; `git ml model register NAME --run RUN` adds one"
    if out.listed(models, none=none, none_is_data=False):
        return
    rows = [{**m, "stages": _stages_text(m["stages"])} for m in models]
    out.table(
        [{**r, "updated": format_time(r["updated"])} for r in rows],
        ["name", "versions", "latest", "stages", "updated"],
        never_truncate=["name", "latest", "stages"],
    )


def show(*, name: str, json: bool = False) -> None:
    """Show a model: applied stages, and every version with its run, code, data and artifact."""
    from gitml.registry.query import show_model

    repo, settings = repo_and_settings()
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
                "created": format_time(v["created"]),
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


def _lineage(out: Output, stage: str, v: JsonObject) -> None:
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
        out.line(f"  artifact  {art['path']} {art['digest']} ({format_bytes(art['size'])})")


def history(
    *, name: str, stage: str | None = None, as_of: str | None = None, json: bool = False
) -> None:
    """Registrations and stage changes of a model: what, who, when and from which commit."""
    from gitml.registry.query import history as model_history
    from gitml.registry.query import parse_when

    repo, settings = repo_and_settings()
    when = parse_when(as_of) if as_of else None
    result = model_history(repo, settings, name, stage=stage, as_of=when)
    out = Output(json)
    if json:
        out.json(result)
        return
    rows = [
        {
            "time": format_time(e["time"]),
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


def get(
    *,
    ref: str,
    to: Path | None = None,
    fmt: str = "gitml",
    json: bool = False,
    quiet: bool = False,
) -> None:
    """Print the path of a version's artifact, verified; with --to, write a model package."""
    from gitml.models.package import check_format, write_package
    from gitml.registry.deploy import get_artifact

    check_format(fmt)
    repo, settings = repo_and_settings()
    out = Output(json, quiet=quiet)
    if to is not None:
        package = write_package(repo, settings, ref, to, fmt=fmt)
        if json:
            out.json(package)
            return
        for problem in package["warnings"]:
            out.warn(problem)
        out.line(package["path"])
        art = package["artifact"]
        out.info(
            f"{package['name']} {package['version']}: {art['digest']} ({format_bytes(art['size'])}) "
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
        f"({format_bytes(result['size'])}) verified"
    )


def validate(*, ref: str, data: Path, json: bool = False, quiet: bool = False) -> int:
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
    out = Output(json, quiet=quiet)
    if json:
        out.json({"model": label, "data": str(data), "problems": [p.as_dict() for p in problems]})
    else:
        for problem in problems:
            (out.error if problem.severity == "error" else out.warn)(problem.message)
        if not problems:
            out.summary(f"{data}: conforms to the signature of {label}")
    return 1 if errors(problems) else 0


def card(
    *,
    ref: str,
    fmt: str = "markdown",
    output: Path | None = None,
    json: bool = False,
    quiet: bool = False,
) -> None:
    """A model card: description, lineage, metrics, environment, promotions, monitoring."""
    from gitml.models.card import build_card, render

    repo, settings = repo_and_settings()
    built = build_card(repo, settings, ref)
    out = Output(json, quiet=quiet)
    if json:
        out.json(built)
        return
    text = render(built, fmt)
    if output is None:
        out.text(text)
        return
    output.write_text(text, encoding="utf-8")
    out.info(f"wrote {output}")


def push(
    *,
    ref: str,
    remote: str | None = None,
    verify: bool = False,
    json: bool = False,
    quiet: bool = False,
) -> int:
    """Upload artifacts to the data remote, so other clones and deployments can get them."""
    from gitml.registry.deploy import push_artifacts

    repo, settings = repo_and_settings()
    result = push_artifacts(repo, settings, ref, remote=remote, verify=verify)
    out = Output(json, quiet=quiet)
    if json:
        out.json(result)
    else:
        out.summary(
            f"{result['model']}: {len(result['uploaded'])} artifact(s) uploaded, "
            f"{len(result['present'])} already on {result['remote']}"
        )
        for digest in result["missing"]:
            out.warn(f"{digest} is not in the local cache; push it from the clone that has it")
        for digest in result["repaired"]:
            out.warn(f"{digest} was corrupt on {result['remote']} and has been replaced")
        for digest, message in result["failed"].items():
            out.error(f"{digest}: {message}")
    return 1 if result["missing"] or result["failed"] else 0
