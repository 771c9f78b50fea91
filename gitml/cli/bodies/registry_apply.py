"""The body of ``git ml registry apply``."""

from __future__ import annotations

import os

from gitml.cli._output import Output
from gitml.cli._repo import repo_and_settings
from gitml.cli.bodies.registry_applied import print_applied
from gitml.registry.apply import apply as apply_changes
from gitml.registry.apply import default_branch_tip


def apply(*, push: str | None = None, json: bool = False, quiet: bool = False) -> None:
    """Record every change of .gitml/stages.toml on the default branch as stage events."""
    repo, settings = repo_and_settings()
    out = Output(json, quiet=quiet)
    pushed: list[str] = []
    if push is not None:
        from gitml.sync import pull

        default_branch_tip(repo, settings, dict(os.environ))
        pull(repo, push)
    report = apply_changes(repo, settings, dict(os.environ))
    if push is not None:
        from gitml.sync import push_records, short_name

        pushed = [short_name(r) for r in push_records(repo, push).pushed]
    if json:
        out.json({**report.as_dict(settings.terminal_stages), "pushed": pushed})
        return
    print_applied(out, report, settings.terminal_stages)
    if pushed:
        out.info(f"pushed to {push}: {', '.join(pushed)}")
