"""``git ml lineage``: where a run, model version or dataset came from, and what came of it."""

from typing import Annotated

import typer

from gitml.cli._options import JsonOpt


def lineage(
    target: Annotated[
        str,
        typer.Argument(
            metavar="RUN|MODEL@STAGE|MODEL:VERSION|DATASET|PATH",
            help="A run (id, prefix, name), a model version, a dataset name or a path.",
        ),
    ],
    direction: Annotated[
        str,
        typer.Option(
            "--direction",
            "-d",
            help="up (where it came from), down (what came of it) or both.",
        ),
    ] = "both",
    json: JsonOpt = False,
) -> None:
    """Walk the lineage graph: runs linked by the digests they read and wrote."""
    from gitml.cli._output import Output
    from gitml.lineage import trace, tree_lines
    from gitml.storage.repo import open_repo

    found = trace(open_repo(), target, direction=direction)
    out = Output(json)
    if json:
        out.json(found.as_dict())
        return
    for line in tree_lines(found):
        out.line(line)


def register(app: typer.Typer) -> None:
    app.command("lineage")(lineage)
