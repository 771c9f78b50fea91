"""``git ml run``, ``ls``, ``show`` and ``compare``."""

from typing import Annotated

import typer

from gitml.cli import _runs_cmds as _cmds
from gitml.cli._declare import command
from gitml.cli._options import JsonOpt, QuietOpt
from gitml.cli._values import RUNS


def run(
    command: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="-- CMD...", help="The command to run, after `--` (e.g. -- python train.py)."
        ),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option(
            "--name", "-n", metavar="NAME", help="A name for the run (default: adjective-noun)."
        ),
    ] = None,
    message: Annotated[
        str | None,
        typer.Option("--message", "-m", metavar="TEXT", help="A note about why you ran it."),
    ] = None,
    tag: Annotated[
        list[str] | None,
        typer.Option("--tag", "-t", metavar="KEY=VALUE", help="A tag (repeatable)."),
    ] = None,
    set_param: Annotated[
        list[str] | None,
        typer.Option(
            "--set-param",
            "-S",
            metavar="[FILE:]KEY=VALUE",
            help="Override a param in its params file for this run: [FILE:]KEY=VALUE; "
            "VALUE1,VALUE2,... runs a sweep over the grid (repeatable).",
        ),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param", "-P", metavar="KEY=VALUE", help="Record an ad-hoc param (repeatable)."
        ),
    ] = None,
    metrics: Annotated[
        list[str] | None,
        typer.Option(
            "--metrics",
            "-M",
            metavar="FILE",
            help="A metrics file the command writes (JSON/YAML/TOML/CSV; repeatable).",
        ),
    ] = None,
    params_file: Annotated[
        list[str] | None,
        typer.Option(
            "--params-file", metavar="FILE", help="An extra params file to read (repeatable)."
        ),
    ] = None,
    input_: Annotated[
        list[str] | None,
        typer.Option(
            "--input",
            "-i",
            metavar="PATH",
            help="An input file or folder to record the digest of (repeatable).",
        ),
    ] = None,
    output: Annotated[
        list[str] | None,
        typer.Option(
            "--output",
            "-o",
            metavar="PATH",
            help="An output file or folder to record the digest of (repeatable).",
        ),
    ] = None,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            "-j",
            metavar="N",
            help="Sweep members to run at once, each in a temporary worktree.",
        ),
    ] = 1,
    best: Annotated[
        str | None,
        typer.Option(
            "--best",
            metavar="METRIC",
            help="Metric that picks a sweep's best run: NAME, max:NAME or min:NAME "
            "(default: guessed from the name).",
        ),
    ] = None,
    quiet: QuietOpt = False,
) -> None:
    """Run a command in the working tree and record it as a run (code, params, metrics, env)."""


def ls(
    where: Annotated[
        str | None,
        typer.Option(
            "--where",
            "-w",
            metavar="EXPR",
            help='Filter, e.g. "metrics.acc > 0.9 and params.lr = 0.01" (MLflow syntax and more).',
        ),
    ] = None,
    sort: Annotated[
        list[str] | None,
        typer.Option(
            "--sort",
            metavar="KEY",
            help="Sort key, '-' for descending, e.g. -metrics.acc (repeatable).",
        ),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", metavar="N", help="Show at most this many runs (0: all).")
    ] = 20,
    columns: Annotated[
        str | None,
        typer.Option(
            "--columns",
            "-c",
            metavar="COLUMNS",
            help="Comma-separated columns, e.g. id,name,metrics.acc,params.lr.",
        ),
    ] = None,
    branch: Annotated[
        str | None,
        typer.Option(
            "--branch",
            "-b",
            metavar="BRANCH",
            help="Runs recorded on this branch (default: current).",
        ),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", "-a", help="Runs of every branch.")] = False,
    commit: Annotated[
        str | None,
        typer.Option(
            "--commit",
            metavar="REV",
            help="Runs made on this commit, or on commits it replaced (amend, rebase, squash).",
        ),
    ] = None,
    json: JsonOpt = False,
) -> None:
    """List runs as a table, newest first (or as a JSON array with --json)."""


def show(
    run_ref: Annotated[
        str, typer.Argument(metavar="RUN", help="Run id, unique id prefix or name."), RUNS
    ],
    json: JsonOpt = False,
) -> None:
    """Show everything about one run, with a summary of each metric's history and its reruns."""


def compare(
    runs: Annotated[
        list[str],
        typer.Argument(metavar="RUN", help="Two or more run ids, prefixes or names."),
        RUNS,
    ],
    all_params: Annotated[
        bool, typer.Option("--all-params", help="Also list params that are the same.")
    ] = False,
    json: JsonOpt = False,
) -> None:
    """Compare runs side by side: params that differ, metrics with deltas, data, code."""


def relink(
    head: Annotated[
        str,
        typer.Option(
            "--head", metavar="REV", help="The history to attach runs to (default: HEAD)."
        ),
    ] = "HEAD",
    depth: Annotated[
        int,
        typer.Option(
            "--depth", metavar="N", help="How many first-parent commits of HEAD to search."
        ),
    ] = 200,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only show the links that would be recorded.")
    ] = False,
    json: JsonOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Attach runs of rebased, cherry-picked or squash-merged commits to their new commits."""


def register(app: typer.Typer) -> None:
    command(app, "run", run, _cmds.run, context_settings={"allow_interspersed_args": False})
    command(app, "ls", ls, _cmds.ls)
    command(app, "show", show, _cmds.show)
    command(app, "compare", compare, _cmds.compare)
    command(app, "relink", relink, _cmds.relink)
