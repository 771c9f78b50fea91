"""Options shared by several commands (spelled the same everywhere)."""

from typing import Annotated, Any

import typer

from gitml.cli._values import DATA_REMOTES, MODELS

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout.")]
QuietOpt = Annotated[
    bool,
    typer.Option("--quiet", "-q", help="Print only warnings and errors (no progress, no summary)."),
]
DataRemoteOpt = Annotated[
    str | None,
    typer.Option(
        "--remote",
        "-r",
        metavar="NAME",
        help="The data remote to use (default: the default data remote).",
    ),
    DATA_REMOTES,
]
ModelNameArg = Annotated[
    str, typer.Argument(metavar="NAME", help="The model name.", show_default=False), MODELS
]
JobsOpt = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        "-j",
        metavar="N",
        help="Parallel workers (default: CPUs for hashing, 8 for transfers).",
    ),
]


def where_option(help: str) -> Any:
    """``--where``/``-w EXPR``, a run query, with the command's own help."""
    return typer.Option("--where", "-w", metavar="EXPR", help=help)


def output_options(json: JsonOpt = False, quiet: QuietOpt = False) -> None:
    """``--json`` and ``--quiet``, the options a command that reports ends with."""
