"""The body of ``git ml queue logs``."""

from __future__ import annotations

import sys

from gitml.errors import GitmlError
from gitml.queue.control import follow as follow_log
from gitml.queue.control import read_log
from gitml.queue.records import find_entry, iter_states
from gitml.storage.repo import open_repo


def logs(*, entry: str, follow: bool = False) -> None:
    """Print what a queued run printed (kept in the clone that ran it)."""
    repo = open_repo()
    state = find_entry(list(iter_states(repo)), entry)
    if follow:
        for chunk in follow_log(repo, state.id):
            sys.stdout.buffer.write(chunk)
            sys.stdout.buffer.flush()
        return
    data = read_log(repo, state)
    if data is None:
        event = state.claim or state.finished
        worker = event.get("worker") if event is not None else None
        where = f" (it ran on {worker['host']})" if worker and worker["host"] else ""
        raise GitmlError(
            f"queued run {state.id} {state.name} is {state.state} and has no log in this "
            f"clone{where}; logs stay in the clone that ran it"
        )
    sys.stdout.buffer.write(data)
