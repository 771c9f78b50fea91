"""``git ml run``, ``ls``, ``show`` and ``compare``."""

from typing import Annotated

import typer

from gitml.cli import _runs_cmds as _cmds
from gitml.cli._declare import command
from gitml.cli._options import JsonOpt


def run(
    command: Annotated[
        list[str] | None,
        typer.Argument(help="The command to run, after `--` (e.g. -- python train.py)."),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option("--name", "-n", help="A name for the run (default: adjective-noun)."),
    ] = None,
    message: Annotated[
        str | None, typer.Option("--message", "-m", help="A note about why you ran it.")
    ] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", "-t", help="A tag KEY=VALUE (repeatable).")
    ] = None,
    set_param: Annotated[
        list[str] | None,
        typer.Option(
            "--set-param",
            "-S",
            help="Override a param in its params file for this run: [FILE:]KEY=VALUE; "
            "VALUE1,VALUE2,... runs a sweep over the grid (repeatable).",
        ),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-P", help="Record an ad-hoc param KEY=VALUE (repeatable)."),
    ] = None,
    metrics: Annotated[
        list[str] | None,
        typer.Option(
            "--metrics", "-M", help="A metrics file the command writes (JSON/YAML/TOML/CSV)."
        ),
    ] = None,
    params_file: Annotated[
        list[str] | None,
        typer.Option("--params-file", help="An extra params file to read (repeatable)."),
    ] = None,
    input_: Annotated[
        list[str] | None,
        typer.Option("--input", "-i", help="An input file or folder to record the digest of."),
    ] = None,
    output: Annotated[
        list[str] | None,
        typer.Option("--output", "-o", help="An output file or folder to record the digest of."),
    ] = None,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs", "-j", help="Sweep members to run at once, each in a temporary worktree."
        ),
    ] = 1,
    best: Annotated[
        str | None,
        typer.Option(
            "--best",
            help="Metric that picks a sweep's best run: NAME, max:NAME or min:NAME "
            "(default: guessed from the name).",
        ),
    ] = None,
    system_metrics: Annotated[
        bool,
        typer.Option(
            "--system-metrics",
            help="Sample CPU, memory and GPU use while the command runs into the run's "
            "step history (every $GITML_SYSTEM_METRICS_INTERVAL seconds, default 10).",
        ),
    ] = False,
) -> None:
    """Run a command in the working tree and record it as a run (code, params, metrics, env)."""


def ls(
    where: Annotated[
        str | None,
        typer.Option(
            "--where",
            "-w",
            help='Filter, e.g. "metrics.acc > 0.9 and params.lr = 0.01" (MLflow syntax and more).',
        ),
    ] = None,
    sort: Annotated[
        list[str] | None,
        typer.Option(
            "--sort", "-s", help="Sort key, '-' for descending, e.g. -metrics.acc (repeatable)."
        ),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", help="Show at most this many runs (0: all).")
    ] = 20,
    columns: Annotated[
        str | None,
        typer.Option(
            "--columns", "-c", help="Comma-separated columns, e.g. id,name,metrics.acc,params.lr."
        ),
    ] = None,
    branch: Annotated[
        str | None,
        typer.Option("--branch", "-b", help="Runs recorded on this branch (default: current)."),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", "-a", help="Runs of every branch.")] = False,
    commit: Annotated[
        str | None,
        typer.Option(
            "--commit",
            help="Runs made on this commit, or on commits it replaced (amend, rebase, squash).",
        ),
    ] = None,
    json: JsonOpt = False,
) -> None:
    """List runs as a table, newest first (or as a JSON array with --json)."""


def show(
    run_ref: Annotated[
        str, typer.Argument(metavar="RUN", help="Run id, unique id prefix or name.")
    ],
    json: JsonOpt = False,
) -> None:
    """Show everything about one run, with a summary of each metric's history and its reruns."""


def compare(
    runs: Annotated[
        list[str], typer.Argument(metavar="RUN...", help="Two or more run ids, prefixes or names.")
    ],
    all_params: Annotated[
        bool, typer.Option("--all-params", help="Also list params that are the same.")
    ] = False,
    json: JsonOpt = False,
) -> None:
    """Compare runs side by side: params that differ, metrics with deltas, data, code."""


def relink(
    head: Annotated[
        str, typer.Option("--head", help="The history to attach runs to (default: HEAD).")
    ] = "HEAD",
    depth: Annotated[
        int, typer.Option("--depth", help="How many first-parent commits of HEAD to search.")
    ] = 200,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only show the links that would be recorded.")
    ] = False,
    json: JsonOpt = False,
) -> None:
    """Attach runs of rebased, cherry-picked or squash-merged commits to their new commits."""


def register(app: typer.Typer) -> None:
    command(app, "run", run, _cmds.run, context_settings={"allow_interspersed_args": False})
    command(app, "ls", ls, _cmds.ls)
    command(app, "show", show, _cmds.show)
    command(app, "compare", compare, _cmds.compare)
    command(app, "relink", relink, _cmds.relink)
