"""The body of ``git ml relink``."""

from __future__ import annotations

from gitml.cli._output import Output
from gitml.runs.links import relink as do_relink
from gitml.storage.repo import open_repo


def relink(
    *,
    head: str = "HEAD",
    depth: int = 200,
    dry_run: bool = False,
    json: bool = False,
    quiet: bool = False,
) -> None:
    """Attach runs of rebased, cherry-picked or squash-merged commits to their new commits."""
    links = do_relink(open_repo(), head, depth=depth, dry_run=dry_run)
    out = Output(json, quiet=quiet)
    if json:
        out.json({"dry_run": dry_run, "links": [link.as_dict() for link in links]})
        return
    for link in links:
        (out.line if dry_run else out.summary)(f"{link.kind:7} {link.old} -> {link.new}")
    verb = "would link" if dry_run else "linked"
    out.info(f"{verb} {len(links)} rewritten commit(s)")
