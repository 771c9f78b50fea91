"""How the bodies of ``git ml model ...`` show a version's stages."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject


def stages_text(stages: JsonObject) -> str:
    """A version's stages as ``stage=VALUE`` pairs on one line."""
    parts = []
    for stage, value in stages.items():
        shown = ",".join(value) if isinstance(value, list) else value
        parts.append(f"{stage}={shown}")
    return " ".join(parts)
