"""``git ml queue add|start|status|logs|cancel``: runs to do later, drained here or on Ray."""

from typing import Annotated

import typer

from gitml.cli import _run_options as _opts
from gitml.cli import runs
from gitml.cli._declare import command, commands, narrowed
from gitml.cli._options import JsonOpt, QuietOpt

queue_app = typer.Typer(
    help="A run queue: add runs now, run them later with `git ml queue start` (here or on Ray).",
    no_args_is_help=True,
)


add = narrowed(
    runs.run,
    name="add",
    without=("on", "system_metrics"),
    doc="Queue a run (the options of git ml run); the code is pinned as it is now.",
)


def start(
    workers: Annotated[
        int, typer.Option("--workers", metavar="N", help="Queued runs to run at once (default 1).")
    ] = 1,
    on: _opts.OnOpt = None,
    include_pulled: Annotated[
        bool,
        typer.Option(
            "--include-pulled",
            help="Also run entries added in other clones (they came with `git ml pull`, "
            "with commands whoever pushed them wrote); by default they are listed and "
            "stay queued.",
        ),
    ] = False,
    quiet: QuietOpt = False,
) -> None:
    """Run queued runs until none is left (each from the code it pinned)."""


EntryArgs = Annotated[
    list[str] | None,
    typer.Argument(metavar="ENTRY...", help="Queued run ids, unique id prefixes or names."),
]


def status(json: JsonOpt = False) -> None:
    """List queued runs: queued (pulled: added in another clone), running, done, failed or
    cancelled, with their runs."""


def logs(
    entry: Annotated[
        str,
        typer.Argument(
            metavar="ENTRY", help="A queued run (id, prefix or name) or a run it recorded."
        ),
    ],
    follow: Annotated[
        bool, typer.Option("--follow", help="Keep printing until the run has ended.")
    ] = False,
) -> None:
    """Print what a queued run printed (kept in the clone that ran it)."""


def cancel(
    entries: EntryArgs = None,
    all_: Annotated[
        bool, typer.Option("--all", "-a", help="Cancel every queued and running entry.")
    ] = False,
    quiet: QuietOpt = False,
) -> None:
    """Cancel queued runs; a running one is stopped (recorded interrupted)."""


def register(app: typer.Typer) -> None:
    command(
        queue_app, "add", add, "queue_add:add", context_settings={"allow_interspersed_args": False}
    )
    commands(queue_app, "queue_", start, status, logs, cancel)
    app.add_typer(queue_app, name="queue")
