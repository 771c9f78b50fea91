"""``git ml init`` and ``git ml hook``."""

from typing import Annotated

import typer

from gitml.cli._declare import command, commands, followed_by
from gitml.cli._options import output_options
from gitml.cli._values import FILES, choices


@followed_by(output_options)
def init(
    hooks: Annotated[
        bool, typer.Option("--hooks", help="Install git hook shims (chains existing hooks).")
    ] = False,
) -> None:
    """Set this repository up for gitml (idempotent)."""


def hook(
    name: Annotated[
        str,
        typer.Argument(
            metavar="HOOK", help="The git hook being run (pre-commit, pre-push, post-rewrite)."
        ),
        choices("pre-commit", "pre-push", "post-rewrite"),
    ],
    args: Annotated[
        list[str] | None,
        typer.Argument(metavar="ARG", help="Arguments git passed to the hook."),
    ] = None,
) -> None:
    """Entry point of the installed git hook shims (not for direct use)."""


@followed_by(output_options)
def validate(
    files: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="FILE", help="Files to check (default: every gitml file under .gitml/)."
        ),
        FILES,
    ] = None,
) -> None:
    """Check gitml's tracked files (.gitml/*.toml) against their JSON Schemas."""


def register(app: typer.Typer) -> None:
    commands(app, "", init)
    command(app, "hook", hook, "hook:hook", hidden=True)
    commands(app, "", validate)
