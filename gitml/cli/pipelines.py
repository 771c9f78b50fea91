"""``git ml repro``, ``status`` and ``dag``: pipelines defined in ``dvc.yaml``."""

from typing import Annotated

import typer

from gitml.cli._declare import commands, followed_by
from gitml.cli._options import JsonOpt, output_options
from gitml.cli._run_options import MessageOpt
from gitml.cli._values import PIPELINE_STAGES, choices

Targets = Annotated[
    list[str] | None,
    typer.Argument(
        metavar="STAGE",
        help="Stages (NAME, FILE:NAME, a foreach group or a dvc.yaml); default: all.",
    ),
    PIPELINE_STAGES,
]


@followed_by(output_options)
def repro(
    targets: Targets = None,
    force: Annotated[
        bool,
        typer.Option("--force", "-f", help="Run every planned stage, even up-to-date ones."),
    ] = False,
    single_item: Annotated[
        bool,
        typer.Option("--single-item", "-s", help="Only the named stages, not their upstream."),
    ] = False,
    downstream: Annotated[
        bool,
        typer.Option("--downstream", help="The named stages and every stage that depends on them."),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would run or be restored; change nothing.")
    ] = False,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            "-j",
            metavar="N",
            help="Independent stages to run at once (a sweep: members at once, each in a worktree).",
        ),
    ] = 1,
    set_param: Annotated[
        list[str] | None,
        typer.Option(
            "--set-param",
            "-S",
            metavar="[FILE:]KEY=VALUE",
            help="Override a param for this repro: [FILE:]KEY=VALUE; VALUE1,VALUE2 sweeps.",
        ),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option("--name", "-n", metavar="NAME", help="A name for the pipeline run."),
    ] = None,
    message: MessageOpt = None,
    best: Annotated[
        str | None,
        typer.Option(
            "--best",
            metavar="METRIC",
            help="Metric that picks a sweep's best run: NAME, max:NAME, min:NAME.",
        ),
    ] = None,
) -> None:
    """Run the stale stages of dvc.yaml in order; restore cached ones; write dvc.lock."""


def status(targets: Targets = None, json: JsonOpt = False) -> None:
    """Which pipeline stages are stale and why (changed dependency, param, command, output)."""


def dag(
    targets: Targets = None,
    fmt: Annotated[
        str,
        typer.Option("--format", metavar="FORMAT", help="text, mermaid or dot."),
        choices("text", "mermaid", "dot"),
    ] = "text",
    status: Annotated[
        bool, typer.Option("--status", help="Label each stage with its state.")
    ] = False,
) -> None:
    """Print the pipeline's stage graph (text, Mermaid or Graphviz DOT)."""


def register(app: typer.Typer) -> None:
    commands(app, "", repro, status, dag)
