"""The body of ``git ml model history``."""

from __future__ import annotations

from gitml.cli._output import Output
from gitml.cli._repo import repo_and_settings
from gitml.cli.bodies.model_stages import stages_text
from gitml.registry.query import history as model_history
from gitml.registry.query import parse_when
from gitml.units import format_time


def history(
    *, name: str, stage: str | None = None, as_of: str | None = None, json: bool = False
) -> None:
    """Registrations and stage changes of a model: what, who, when and from which commit."""
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
    out.info(f"{label}: {stages_text(result['stages']) or '(none)'}")
