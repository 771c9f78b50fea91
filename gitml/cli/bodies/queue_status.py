"""The body of ``git ml queue status``."""

from __future__ import annotations

from gitml.cli._output import Output
from gitml.queue.origin import added_here
from gitml.queue.records import iter_states
from gitml.records.codec import to_jsonable
from gitml.storage.repo import open_repo


def status(*, json: bool = False) -> None:
    """List queued runs: queued (pulled: added in another clone), running, done, failed or
    cancelled, with their runs."""
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
