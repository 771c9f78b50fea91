"""Cancelling queued runs, and reading what a queued run printed."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence

from gitml.errors import GitmlError, UsageError
from gitml.queue.records import EntryState, add_event, event_doc, find_entry, iter_states
from gitml.queue.runner import log_path
from gitml.storage.repo import GitRepo

FOLLOW_SECONDS = 0.5


def cancel(repo: GitRepo, texts: Sequence[str], *, every: bool = False) -> list[EntryState]:
    """Cancel the named entries (or every queued and running one); returns them.

    A queued entry will not start; a running one is stopped by its runner.
    """
    states = list(iter_states(repo))
    if every:
        chosen = [s for s in states if s.state in ("queued", "running")]
    elif texts:
        chosen = [find_entry(states, text) for text in texts]
    else:
        raise UsageError("name the queued runs to cancel, or give --all")
    for state in chosen:
        if state.state in ("done", "failed", "cancelled"):
            raise GitmlError(f"queued run {state.id} {state.name} is {state.state} already")
    for state in chosen:
        add_event(repo, state.id, event_doc(state.id, "cancelled", reason="cancelled by user"))
    return chosen


def read_log(repo: GitRepo, state: EntryState) -> bytes | None:
    """What the entry printed in this clone so far (None: it never ran here)."""
    try:
        return log_path(repo, state.id).read_bytes()
    except FileNotFoundError:
        return None


def follow(repo: GitRepo, entry_id: str) -> Iterator[bytes]:
    """The entry's log as it grows, until it has ended (or was cancelled before it ran)."""
    offset = 0
    while True:
        state = next((s for s in iter_states(repo) if s.id == entry_id), None)
        ended = state is None or state.state in ("done", "failed", "cancelled")
        try:
            with log_path(repo, entry_id).open("rb") as handle:
                handle.seek(offset)
                chunk = handle.read()
        except FileNotFoundError:
            chunk = b""
        if chunk:
            offset += len(chunk)
            yield chunk
        if ended:
            return
        time.sleep(FOLLOW_SECONDS)
