"""The body of ``git ml model ls``."""

from __future__ import annotations

from gitml.cli._output import Output
from gitml.cli._repo import repo_and_settings
from gitml.cli.bodies.model_stages import stages_text
from gitml.registry.query import list_models
from gitml.units import format_time


def ls(*, json: bool = False) -> None:
    """List registered models with their latest version and applied stages."""
    repo, settings = repo_and_settings()
    models = list_models(repo, settings)
    out = Output(json)
    none = "no models registered yet; `git ml model register NAME --run RUN` adds one"
    if out.listed(models, none=none, none_is_data=False):
        return
    rows = [{**m, "stages": stages_text(m["stages"])} for m in models]
    out.table(
        [{**r, "updated": format_time(r["updated"])} for r in rows],
        ["name", "versions", "latest", "stages", "updated"],
        never_truncate=["name", "latest", "stages"],
    )
