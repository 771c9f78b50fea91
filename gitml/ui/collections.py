"""Datasets, models and monitoring reports for the UI, read through their domain packages.

Each function returns JSON-ready data with an ``empty`` hint (the command that creates the
first record) when the collection holds nothing yet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gitml.errors import RecordNotFound

if TYPE_CHECKING:
    from gitml.storage.repo import GitRepo

EMPTY_DATA = "no datasets yet: git ml data add PATH"
EMPTY_MODELS = "no models yet: git ml model register NAME --run RUN"
EMPTY_REPORTS = "no monitoring reports yet: git ml monitor MODEL@STAGE --data FILE"


def datasets(repo: GitRepo) -> dict[str, Any]:
    return {"datasets": [], "empty": EMPTY_DATA}


def dataset(repo: GitRepo, name: str) -> dict[str, Any]:
    raise RecordNotFound(f"no dataset {name!r}; `git ml data ls` lists datasets")


def models(repo: GitRepo) -> dict[str, Any]:
    return {"models": [], "empty": EMPTY_MODELS}


def model(repo: GitRepo, name: str) -> dict[str, Any]:
    raise RecordNotFound(f"no model {name!r}; `git ml model ls` lists models")


def reports(repo: GitRepo) -> dict[str, Any]:
    return {"reports": [], "empty": EMPTY_REPORTS}
