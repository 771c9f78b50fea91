"""``git ml check``: governance checks for pre-commit, pre-push, pull requests and CI."""

from typing import Annotated

import typer

from gitml.cli._declare import commands, followed_by
from gitml.cli._options import output_options
from gitml.cli._values import FILES, choices


@followed_by(output_options)
def check(
    files: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="FILE",
            help="With --staged: the files pre-commit passes (with --all-files they include "
            ".gitml/stages.toml, which is then judged as committed).",
            show_default=False,
        ),
        FILES,
    ] = None,
    staged: Annotated[
        bool, typer.Option("--staged", help="Check the staged change (pre-commit).")
    ] = False,
    base: Annotated[
        str | None,
        typer.Option(
            "--base", metavar="REV", help="Check everything in REV..HEAD (a pull request)."
        ),
    ] = None,
    push: Annotated[
        bool,
        typer.Option(
            "--push",
            help="Check what a push sends (pre-push; reads git's pre-push lines on stdin when present).",
        ),
    ] = False,
    all_: Annotated[
        bool, typer.Option("--all", help="Check every gitml file and record, and the registry log.")
    ] = False,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            metavar="FORMAT",
            help="text or markdown (a PR comment / $GITHUB_STEP_SUMMARY).",
        ),
        choices("text", "markdown"),
    ] = "text",
    self_test: Annotated[
        bool, typer.Option("--self-test", help="Validate gitml's shipped schemas and resources.")
    ] = False,
) -> None:
    """Check gitml files, records, large files and promotions against .gitml/policy.toml."""


def register(app: typer.Typer) -> None:
    commands(app, "", check)
