"""Datasets for the UI (an empty state until the data domain is on this branch)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gitml.errors import RecordNotFound

if TYPE_CHECKING:
    from gitml.storage.repo import GitRepo

EMPTY_DATA = "no datasets yet: git ml data add PATH"


def datasets(repo: GitRepo) -> dict[str, Any]:
    return {"datasets": [], "empty": EMPTY_DATA}


def dataset(repo: GitRepo, name: str) -> dict[str, Any]:
    raise RecordNotFound(f"no dataset {name!r}; `git ml data ls` lists datasets")


def dataset_diff(repo: GitRepo, name: str, old: str, new: str) -> dict[str, Any]:
    raise RecordNotFound(f"no dataset {name!r}; `git ml data ls` lists datasets")
