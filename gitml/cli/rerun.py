"""``git ml rerun``: reproduce recorded runs from their checkpoint, data and params."""

from pathlib import Path
from typing import Annotated

import typer

from gitml.cli._declare import commands, followed_by
from gitml.cli._options import output_options
from gitml.cli._values import DIRS, RUNS


@followed_by(output_options)
def rerun(
    run_ref: Annotated[
        str | None,
        typer.Argument(metavar="RUN", help="The run to reproduce: id, unique id prefix or name."),
        RUNS,
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="REV",
            help="Rerun the completed runs made on commits in REV..HEAD (oldest first).",
        ),
    ] = None,
    sweep: Annotated[
        str | None,
        typer.Option(
            "--sweep", metavar="ID", help="Rerun the completed runs of this sweep (id or prefix)."
        ),
    ] = None,
    in_: Annotated[
        Path | None,
        typer.Option(
            "--in",
            metavar="DIR",
            help="Rerun in a worktree at DIR (new or empty) and keep it; with --since or "
            "--sweep, one folder per run under DIR.",
        ),
        DIRS,
    ] = None,
    tolerance: Annotated[
        list[str] | None,
        typer.Option(
            "--tolerance",
            "-T",
            metavar="REL|METRIC=REL",
            help="Relative tolerance of the metric comparison: REL for every metric "
            "(default 1e-6) or METRIC=REL (repeatable).",
        ),
    ] = None,
    set_param: Annotated[
        list[str] | None,
        typer.Option(
            "--set-param",
            "--set",
            "-S",
            metavar="[FILE:]KEY=VALUE",
            help="What-if: change a param for this rerun, [FILE:]KEY=VALUE (repeatable); "
            "such a rerun is never 'reproduced'.",
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Show what would be rerun, and whether it can be, then stop."
        ),
    ] = False,
    on: Annotated[
        str | None,
        typer.Option(
            "--on",
            metavar="CLUSTER",
            help="Rerun on a Ray cluster: ray or ray://HOST:PORT (the head's address).",
        ),
    ] = None,
    retries: Annotated[
        int,
        typer.Option(
            "--retries",
            metavar="N",
            help="With --on: start a rerun again when its worker or node died.",
        ),
    ] = 0,
) -> None:
    """Rerun a recorded run from its code checkpoint, input data and params, and prove the result.

    The rerun happens in a temporary worktree (your files, index and HEAD are untouched),
    is recorded as a new run whose parent is RUN, and gets a verdict: reproduced (exit 0),
    differs (exit 1) or failed (the command's exit code).
    """


def register(app: typer.Typer) -> None:
    commands(app, "", rerun)
