"""The body of ``git ml model show``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gitml.cli._output import Output
from gitml.cli._repo import repo_and_settings
from gitml.cli.bodies.model_stages import stages_text
from gitml.registry.query import show_model
from gitml.units import format_bytes, format_time

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject


def show(*, name: str, json: bool = False) -> None:
    """Show a model: applied stages, and every version with its run, code, data and artifact."""
    repo, settings = repo_and_settings()
    model = show_model(repo, settings, name)
    out = Output(json)
    if json:
        out.json(model)
        return
    versions = model["versions"]
    out.line(f"model {model['name']}: {len(versions)} version(s), latest {model['latest']}")
    out.line(f"stages: {stages_text(model['stages']) or '(none applied)'}")
    if model["pending"]:
        out.line(
            "pending in .gitml/stages.toml (not applied yet): "
            + stages_text(
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
