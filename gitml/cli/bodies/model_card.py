"""The body of ``git ml model card``."""

from __future__ import annotations

from pathlib import Path

from gitml.cli._output import Output
from gitml.cli._repo import repo_and_settings
from gitml.models.card import build_card, render


def card(
    *,
    ref: str,
    fmt: str = "markdown",
    output: Path | None = None,
    json: bool = False,
    quiet: bool = False,
) -> None:
    """A model card: description, lineage, metrics, environment, promotions, monitoring."""
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
