"""The body of ``git ml import gto``."""

from __future__ import annotations

from gitml.cli.bodies.import_summary import print_summary
from gitml.imports.gto import import_gto
from gitml.storage.repo import open_repo


def gto(*, json: bool = False, quiet: bool = False) -> None:
    """Import GTO's registry tags: versions, and stage history on a branch for review."""
    print_summary(import_gto(open_repo()), json, quiet=quiet)
