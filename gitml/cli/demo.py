"""``git ml demo``."""

from pathlib import Path
from typing import Annotated

import typer

from gitml.cli._declare import commands
from gitml.cli._values import DIRS


def demo(
    directory: Annotated[
        Path | None,
        typer.Argument(
            metavar="DIR",
            help="Folder to build the demo repository in (default: a new temporary folder).",
        ),
        DIRS,
    ] = None,
) -> None:
    """Build a throwaway repository and walk through what gitml does, printing each command."""


def register(app: typer.Typer) -> None:
    commands(app, "", demo)
