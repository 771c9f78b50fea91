"""Models for the UI, read through the registry domain (``git ml model ls/show/history``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gitml.config import load_settings
from gitml.errors import RecordNotFound
from gitml.registry.names import InvalidName
from gitml.registry.query import history, list_models, show_model
from gitml.registry.store import registry_collection

if TYPE_CHECKING:
    from gitml.config import Settings
    from gitml.records.shapes import JsonObject
    from gitml.storage.repo import GitRepo

EMPTY_MODELS = "no models yet: git ml model register NAME --run RUN"


def _registry_empty(repo: GitRepo) -> bool:
    return registry_collection(repo).tip() is None


def _settings(repo: GitRepo) -> Settings:
    return load_settings(repo.workdir_or_gitdir)


def models(repo: GitRepo) -> JsonObject:
    """Registered models with their latest version and applied stages (``model ls``)."""
    if _registry_empty(repo):
        return {"models": [], "empty": EMPTY_MODELS}

    settings = _settings(repo)
    return {
        "models": list_models(repo, settings),
        "stages": list(settings.stages),
        "empty": EMPTY_MODELS,
    }


def model(repo: GitRepo, name: str) -> JsonObject:
    """One model: versions with lineage (``model show``) and its history (``model history``)."""

    if _registry_empty(repo):
        raise RecordNotFound(f"no model {name!r}: {EMPTY_MODELS}")
    settings = _settings(repo)
    try:
        shown = show_model(repo, settings, name)
    except InvalidName:
        raise RecordNotFound(f"no model {name!r}; `git ml model ls` lists models") from None
    return {
        "model": shown,
        "history": history(repo, settings, name)["events"],
        "stages": list(settings.stages),
        "terminal_stages": list(settings.terminal_stages),
    }
