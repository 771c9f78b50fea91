"""The body of ``git ml show``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gitml.cli import _rerun_view
from gitml.cli import _runs_view as view
from gitml.cli._output import Output
from gitml.rerun.select import find_reruns
from gitml.runs.record import to_json
from gitml.runs.store import show_run
from gitml.storage.repo import open_repo

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject


def show(*, run_ref: str, json: bool = False) -> None:
    """Show everything about one run, with a summary of each metric's history and its reruns."""
    repo = open_repo()
    doc, history, problem = show_run(repo, run_ref)
    reruns = find_reruns(repo, str(doc["id"]))
    out = Output(json)
    if problem is not None:
        out.warn(problem)
    if json:
        data: JsonObject = to_json(doc)
        data["history"] = view.history_json(history)
        data["reruns"] = [
            {
                "id": r["id"],
                "name": r["name"],
                "started": r.get("started"),
                "verdict": r.get("rerun", {}).get("verdict"),
                "what_if": r.get("rerun", {}).get("what_if", []),
            }
            for r in reruns
        ]
        out.json(data)
        return
    for line in view.show_lines(doc, history):
        out.line(line)
    if doc.get("rerun"):
        for line in _rerun_view.rerun_table_lines(doc):
            out.line(line)
    if reruns:
        for line in _rerun_view.reruns_lines(reruns):
            out.line(line)
