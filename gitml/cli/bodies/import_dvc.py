"""The body of ``git ml import dvc``."""

from __future__ import annotations

from pathlib import Path

from gitml.cli.bodies.import_summary import print_summary
from gitml.imports.dvc import import_dvc
from gitml.storage.repo import open_repo


def dvc(*, from_json: Path | None = None, json: bool = False, quiet: bool = False) -> None:
    """Import DVC experiments (refs/exps, or the JSON of `dvc exp show --json`)."""
    print_summary(import_dvc(open_repo(), from_json=from_json), json, quiet=quiet)
