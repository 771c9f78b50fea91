"""The body of ``git ml queue cancel``."""

from __future__ import annotations

from collections.abc import Sequence

from gitml.cli._output import Output
from gitml.queue.control import cancel as cancel_entries
from gitml.storage.repo import open_repo


def cancel(
    *, entries: Sequence[str] | None = None, all_: bool = False, quiet: bool = False
) -> None:
    """Cancel queued runs; a running one is stopped (recorded interrupted)."""
    out = Output(quiet=quiet)
    for state in cancel_entries(open_repo(), list(entries or ()), every=all_):
        verb = "stopping" if state.state == "running" else "cancelled"
        out.info(f"gitml: {verb} {state.id} {state.name}")
