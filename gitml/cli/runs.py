"""``git ml run``, ``ls``, ``show`` and ``compare``."""

from typing import Annotated

import typer

from gitml.cli import _run_options as _opts
from gitml.cli._declare import command, commands, followed_by
from gitml.cli._options import JsonOpt, QuietOpt, output_options, where_option
from gitml.cli._values import RUNS


def run(
    command: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="-- CMD...", help="The command to run, after `--` (e.g. -- python train.py)."
        ),
    ] = None,
    name: _opts.NameOpt = None,
    message: _opts.MessageOpt = None,
    tag: _opts.TagOpt = None,
    set_param: _opts.SetParamOpt = None,
    param: _opts.ParamOpt = None,
    metrics: _opts.MetricsOpt = None,
    params_file: _opts.ParamsFileOpt = None,
    input_: _opts.InputOpt = None,
    output: _opts.OutputOpt = None,
    jobs: _opts.JobsOpt = 1,
    best: _opts.BestOpt = None,
    on: _opts.OnOpt = None,
    retries: _opts.RetriesOpt = 0,
    search: _opts.SearchOpt = None,
    trials: _opts.TrialsOpt = 10,
    objective: _opts.ObjectiveOpt = None,
    direction: _opts.DirectionOpt = None,
    sampler: _opts.SamplerOpt = "tpe",
    pruner: _opts.PrunerOpt = "median",
    seed: _opts.SeedOpt = None,
    cpus: _opts.CpusOpt = 1.0,
    gpus: _opts.GpusOpt = 0.0,
    system_metrics: _opts.SystemMetricsOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Run a command in the working tree and record it as a run (code, params, metrics, env)."""


def ls(
    where: Annotated[
        str | None,
        where_option(
            'Filter, e.g. "metrics.acc > 0.9 and params.lr = 0.01" (MLflow syntax and more).'
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


@followed_by(output_options)
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
) -> None:
    """Attach runs of rebased, cherry-picked or squash-merged commits to their new commits."""


def register(app: typer.Typer) -> None:
    command(
        app,
        "run",
        run,
        "gitml.cli._runs_cmds:run",
        context_settings={"allow_interspersed_args": False},
    )
    commands(app, "", ls, show, compare, relink)
