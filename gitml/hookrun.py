"""What the installed git hook shims do."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gitml.config import load_settings
from gitml.errors import GitmlError
from gitml.storage.repo import GitRepo, open_repo

if TYPE_CHECKING:
    from gitml.governance.check import CheckReport
    from gitml.records.shapes import LinkKind


def _check_lines(report: CheckReport) -> list[str]:
    return [f.line() for f in report.errors]


def record_rewrites(repo: GitRepo, command: str, stdin: str) -> None:
    """``post-rewrite``: link runs of the rewritten commits to the new ones."""
    from gitml.runs.links import Link, parse_rewritten, record_links

    kind: LinkKind = "amend" if command == "amend" else "rebase"
    links = [Link(old, new, kind) for old, new in parse_rewritten(stdin)]
    if links:
        record_links(repo, links)


def run_hook(name: str, args: list[str], stdin: str = "") -> list[str]:
    """Run hook ``name``; returns the problems that must block git (empty: go ahead)."""
    import os

    from gitml.governance import check

    repo = open_repo()
    if name == "pre-commit":
        return _check_lines(check.check_staged(repo, load_settings(repo.workdir), dict(os.environ)))
    if name == "post-rewrite":
        record_rewrites(repo, args[0] if args else "rebase", stdin)
        return []
    if name == "pre-push":
        remote = args[0] if args else "origin"
        settings = load_settings(repo.workdir)
        return _check_lines(check.check_push(repo, settings, stdin, dict(os.environ), remote))
    raise GitmlError(f"unknown hook {name!r}; gitml installs pre-commit, pre-push and post-rewrite")
