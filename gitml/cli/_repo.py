"""The repository of the current directory and its project settings, as commands open them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gitml.config import load_settings
from gitml.storage.repo import open_repo

if TYPE_CHECKING:
    from gitml.config import Settings
    from gitml.storage.repo import GitRepo


def repo_and_settings() -> tuple[GitRepo, Settings]:
    repo = open_repo()
    return repo, load_settings(repo.workdir)
