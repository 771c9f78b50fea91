"""The body of ``git ml pull``."""

from __future__ import annotations

from gitml.cli._output import Output
from gitml.cli.bodies.sync_report import print_pull
from gitml.storage.repo import open_repo
from gitml.sync import pull as do_pull


def pull(*, remote: str = "origin", json: bool = False, quiet: bool = False) -> None:
    """Fetch gitml records from REMOTE and merge them into the local ones."""
    report = do_pull(open_repo(), remote)
    out = Output(json, quiet=quiet)
    if json:
        out.json(report.as_dict())
    else:
        print_pull(out, report)
