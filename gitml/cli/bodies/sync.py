"""The body of ``git ml sync``."""

from __future__ import annotations

from gitml.cli._output import Output
from gitml.cli.bodies.sync_report import print_data, print_pull, print_pushed
from gitml.storage.repo import open_repo
from gitml.sync import pull as do_pull
from gitml.sync import push_records


def sync(
    *, remote: str = "origin", no_data: bool = False, json: bool = False, quiet: bool = False
) -> None:
    """Pull, then push: afterwards REMOTE and this clone hold the same records."""
    repo = open_repo()
    pulled = do_pull(repo, remote)
    pushed = push_records(repo, remote, data=not no_data)
    out = Output(json, quiet=quiet)
    if json:
        out.json({"pull": pulled.as_dict(), "push": pushed.as_dict()})
        return
    print_pull(out, pulled)
    print_data(out, pushed.data)
    print_pushed(out, remote, pushed)
