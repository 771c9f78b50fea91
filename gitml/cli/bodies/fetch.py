"""The body of ``git ml fetch``."""

from __future__ import annotations

from gitml.cli._output import Output
from gitml.cli.bodies.sync_report import print_pull
from gitml.storage.remote import fetch as do_fetch
from gitml.storage.repo import open_repo
from gitml.sync import prepare_ci, short_name


def fetch(
    *, remote: str = "origin", ci: bool = False, json: bool = False, quiet: bool = False
) -> None:
    """Fetch gitml records into refs/remotes/REMOTE/gitml/* without touching local records."""
    repo = open_repo()
    out = Output(json, quiet=quiet)
    if ci:
        report = prepare_ci(repo, remote)
        if json:
            out.json(report.as_dict())
            return
        if report.unshallowed:
            out.summary("fetched the full history (the clone was shallow)")
        print_pull(out, report.pull)
        return
    tips = do_fetch(repo, remote)
    if json:
        out.json({"remote": remote, "tips": {short_name(k): v for k, v in tips.items()}})
        return
    for ref, tip in tips.items():
        out.summary(f"{short_name(ref)}: {tip or '(none on ' + remote + ')'}")
