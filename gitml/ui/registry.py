"""Models for the UI (an empty state until the registry domain is on this branch)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gitml.errors import RecordNotFound

if TYPE_CHECKING:
    from gitml.storage.repo import GitRepo

EMPTY_MODELS = "no models yet: git ml model register NAME --run RUN"


def models(repo: GitRepo) -> dict[str, Any]:
    return {"models": [], "empty": EMPTY_MODELS}


def model(repo: GitRepo, name: str) -> dict[str, Any]:
    raise RecordNotFound(f"no model {name!r}; `git ml model ls` lists models")
