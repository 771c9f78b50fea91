"""The body of ``git ml push``."""

from __future__ import annotations

from gitml.cli._output import Output
from gitml.cli.bodies.sync_report import print_data, print_pull, print_pushed
from gitml.storage.repo import open_repo
from gitml.sync import push_records


def push(
    *, remote: str = "origin", no_data: bool = False, json: bool = False, quiet: bool = False
) -> None:
    """Push local gitml records to REMOTE (fast-forward, atomic; merges and retries if others pushed)."""
    report = push_records(open_repo(), remote, data=not no_data)
    out = Output(json, quiet=quiet)
    if json:
        out.json(report.as_dict())
        return
    print_data(out, report.data)
    for pulled in report.pulls:
        print_pull(out, pulled)
    print_pushed(out, remote, report)
