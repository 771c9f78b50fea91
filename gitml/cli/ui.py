"""``git ml ui`` (a local web app over the records) and ``git ml report`` (one HTML file)."""

from pathlib import Path
from typing import Annotated

import typer

from gitml.cli._declare import commands
from gitml.cli._options import QuietOpt, where_option
from gitml.cli._values import RUNS


def ui(
    port: Annotated[
        int,
        typer.Option("--port", "-p", metavar="PORT", help="Port to listen on (0: any free port)."),
    ] = 8765,
    host: Annotated[
        str,
        typer.Option(
            "--host",
            metavar="HOST",
            help="Address to bind. Anything but 127.0.0.1 exposes your records to the network.",
        ),
    ] = "127.0.0.1",
    open_: Annotated[
        bool, typer.Option("--open", help="Open the app in the default web browser.")
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log every request on stderr.")
    ] = False,
) -> None:
    """Serve a local, read-only web app over this repository's runs, data and models."""


def report(
    runs: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="RUN",
            help="Runs to report: ids, id prefixes or names, or model versions "
            "(NAME:VERSION, NAME@STAGE) for the runs they were registered from.",
        ),
        RUNS,
    ] = None,
    where: Annotated[
        str | None, where_option("Report the runs matching a query, e.g. \"sweep = '…'\".")
    ] = None,
    all_: Annotated[
        bool, typer.Option("--all", "-a", help="With --where: search runs of every branch.")
    ] = False,
    output: Annotated[
        Path, typer.Option("--output", "-o", metavar="FILE", help="The HTML file to write.")
    ] = Path("gitml-report.html"),
    quiet: QuietOpt = False,
) -> None:
    """Write one self-contained HTML report (charts included, opens with no network)."""


def register(app: typer.Typer) -> None:
    commands(app, "", ui, report)
