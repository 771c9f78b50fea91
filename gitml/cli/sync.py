"""``git ml pull``, ``git ml push`` and ``git ml sync``."""

from typing import Annotated

import typer

from gitml.cli._declare import commands, followed_by, narrowed
from gitml.cli._options import output_options
from gitml.cli._values import GIT_REMOTES

RemoteArg = Annotated[
    str,
    typer.Argument(metavar="REMOTE", help="The git remote to exchange records with."),
    GIT_REMOTES,
]
NoDataOpt = Annotated[
    bool,
    typer.Option(
        "--no-data", help="Do not push data to the default data remote before the records."
    ),
]


@followed_by(output_options)
def push(
    remote: RemoteArg = "origin",
    no_data: NoDataOpt = False,
) -> None:
    """Push local gitml records to REMOTE (fast-forward, atomic; merges and retries if others pushed)."""


pull = narrowed(
    push,
    name="pull",
    without=("no_data",),
    doc="Fetch gitml records from REMOTE and merge them into the local ones.",
)
sync = narrowed(
    push,
    name="sync",
    doc="Pull, then push: afterwards REMOTE and this clone hold the same records.",
)


@followed_by(output_options)
def fetch(
    remote: RemoteArg = "origin",
    ci: Annotated[
        bool,
        typer.Option(
            "--ci", help="Also unshallow the clone and merge the records in (fresh CI checkouts)."
        ),
    ] = False,
) -> None:
    """Fetch gitml records into refs/remotes/REMOTE/gitml/* without touching local records."""


def register(app: typer.Typer) -> None:
    commands(app, "", pull, push, sync, fetch)
