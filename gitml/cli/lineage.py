"""``git ml lineage``: where a run, model version or dataset came from, and what came of it."""

from typing import Annotated

import typer

from gitml.cli._declare import commands
from gitml.cli._options import JsonOpt
from gitml.cli._values import LINEAGE_TARGETS, choices


def lineage(
    target: Annotated[
        str,
        typer.Argument(
            metavar="RUN|MODEL@STAGE|MODEL:VERSION|DATASET|PATH",
            help="A run (id, prefix, name), a model version, a dataset name or a path.",
        ),
        LINEAGE_TARGETS,
    ],
    direction: Annotated[
        str,
        typer.Option(
            "--direction",
            metavar="DIRECTION",
            help="up (where it came from), down (what came of it) or both.",
        ),
        choices("up", "down", "both"),
    ] = "both",
    json: JsonOpt = False,
) -> None:
    """Walk the lineage graph: runs linked by the digests they read and wrote."""


def register(app: typer.Typer) -> None:
    commands(app, "", lineage)
