"""The body of ``git ml queue add``."""

from __future__ import annotations

from pathlib import Path

from gitml.cli._body import options_body
from gitml.cli._output import Output
from gitml.cli._run_request import RunOptions
from gitml.queue.entries import add as add_entry
from gitml.storage.repo import open_repo


@options_body(RunOptions, without=("on", "system_metrics"))
def add(*, options: RunOptions, quiet: bool = False) -> None:
    """Queue a run (the options of git ml run); the code is pinned as it is now."""
    request = options.request()
    doc = add_entry(open_repo(), request, cwd=Path.cwd())
    Output(quiet=quiet).info(
        f"gitml: queued {doc['id']} {doc['name']}: {' '.join(doc['command'])} "
        "(run it with `git ml queue start`)"
    )
