"""The bodies of ``git ml queue``."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from gitml.cli._body import options_body
from gitml.cli._output import Output
from gitml.cli._run_request import RunOptions
from gitml.errors import GitmlError, UsageError
from gitml.storage.repo import open_repo


@options_body(RunOptions, without=("on", "system_metrics"))
def add(*, options: RunOptions, quiet: bool = False) -> None:
    """Queue a run (the options of git ml run); the code is pinned as it is now."""
    from gitml.queue.entries import add as add_entry

    request = options.request()
    doc = add_entry(open_repo(), request, cwd=Path.cwd())
    Output(quiet=quiet).info(
        f"gitml: queued {doc['id']} {doc['name']}: {' '.join(doc['command'])} "
        "(run it with `git ml queue start`)"
    )


def start(
    *, workers: int = 1, on: str | None = None, include_pulled: bool = False, quiet: bool = False
) -> int:
    """Run queued runs until none is left (each from the code it pinned)."""
    from gitml.queue.runner import Runner

    if workers < 1:
        raise UsageError(f"--workers {workers}: must be at least 1")
    out = Output(quiet=quiet)
    runner = Runner(
        open_repo(),
        workers=workers,
        on=on,
        include_pulled=include_pulled,
        on_event=lambda t: out.info(f"gitml: {t}"),
    )
    ended = runner.run()
    if runner.stopping:
        out.info("gitml: stopped; entries not started stay queued")
        return 130
    bad = [e for e in ended if e.status != "completed"]
    out.info(f"gitml: queue drained: {len(ended)} ran, {len(bad)} did not complete")
    pulled = list(runner.pulled.values())
    if pulled:
        listed = ", ".join(f"{s.id} {s.name}" for s in pulled)  # schema: plain characters
        out.warn(
            f"not run: {len(pulled)} queued run(s) added in another clone ({listed}); "
            "check their commands with `git ml queue status`, then run them with "
            "`git ml queue start --include-pulled`"
        )
    return 1 if bad or pulled else 0


def status(*, json: bool = False) -> None:
    """List queued runs: queued (pulled: added in another clone), running, done, failed or
    cancelled, with their runs."""
    from gitml.queue.origin import added_here
    from gitml.queue.records import iter_states
    from gitml.records.codec import to_jsonable

    repo = open_repo()
    states = list(iter_states(repo))
    pulled = {s.id for s in states if not added_here(repo, s.id)}
    out = Output(json)
    if json:
        out.json(
            [
                {
                    "id": s.id,
                    "name": s.name,
                    "state": s.state,
                    "command": s.doc["command"],
                    "created": to_jsonable(s.doc["created"]),
                    "claims": s.claims,
                    "worker": s.worker,
                    "runs": s.runs,
                    "exit_code": s.finished.get("exit_code") if s.finished else None,
                    "cancel_requested": s.cancel_requested,
                    "pulled": s.id in pulled,
                }
                for s in states
            ]
        )
        return
    if not states:
        out.info("the queue is empty; add runs with `git ml queue add -- CMD`")
        return
    rows = []
    for s in states:
        state = s.state + (" (cancelling)" if s.cancel_requested and s.state == "running" else "")
        if s.claims > 1:
            state += f" ({s.claims} claims)"
        if s.state == "queued" and s.id in pulled:
            state += " (pulled)"
        rows.append(
            {
                "id": s.id,
                "name": s.name,
                "state": state,
                "command": " ".join(s.doc["command"]),
                "worker": s.worker["host"] if s.worker else "",
                "runs": str(len(s.runs)),
            }
        )
    cols = ["id", "name", "state", "command", "worker", "runs"]
    out.table(rows, cols, never_truncate=("id",))


def logs(*, entry: str, follow: bool = False) -> None:
    """Print what a queued run printed (kept in the clone that ran it)."""
    from gitml.queue.control import follow as follow_log
    from gitml.queue.control import read_log
    from gitml.queue.records import find_entry, iter_states

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


def cancel(
    *, entries: Sequence[str] | None = None, all_: bool = False, quiet: bool = False
) -> None:
    """Cancel queued runs; a running one is stopped (recorded interrupted)."""
    from gitml.queue.control import cancel as cancel_entries

    out = Output(quiet=quiet)
    for state in cancel_entries(open_repo(), list(entries or ()), every=all_):
        verb = "stopping" if state.state == "running" else "cancelled"
        out.info(f"gitml: {verb} {state.id} {state.name}")
