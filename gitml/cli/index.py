"""``git ml index publish|verify``: the shared, signed snapshot of the query index."""

import typer

from gitml.cli._declare import commands, followed_by
from gitml.cli._options import output_options

index_app = typer.Typer(
    help="Share the query index: a signed snapshot lets fresh clones skip parsing records.",
    no_args_is_help=True,
)


@followed_by(output_options)
def publish() -> None:
    """Audit the records, then sign a snapshot of the runs index stating the tips audited
    into refs/gitml/index (`git ml push` sends it)."""


@followed_by(output_options)
def verify() -> None:
    """Re-derive every row of every index snapshot here from its record (exit 1 on a
    difference)."""


def register(app: typer.Typer) -> None:
    commands(index_app, "index_", publish, verify)
    app.add_typer(index_app, name="index")
