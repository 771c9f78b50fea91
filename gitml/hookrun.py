"""What the installed git hook shims do."""

from __future__ import annotations

from gitml.errors import GitmlError
from gitml.storage.repo import GitRepo, open_repo
from gitml.validate import check_text, kind_of


def check_staged_files(repo: GitRepo) -> list[str]:
    """Schema problems in the staged versions of gitml's tracked files."""
    staged = repo.git("diff", "--cached", "--name-only", "--diff-filter=AM").stdout.split("\n")
    problems: list[str] = []
    for rel in staged:
        if kind_of(rel) is not None:
            problems.extend(check_text(rel, repo.git("show", f":{rel}").stdout))
    return problems


def record_rewrites(repo: GitRepo, command: str, stdin: str) -> None:
    """``post-rewrite``: link runs of the rewritten commits to the new ones."""
    from gitml.runs.links import Link, parse_rewritten, record_links

    kind = "amend" if command == "amend" else "rebase"
    links = [Link(old, new, kind) for old, new in parse_rewritten(stdin)]
    if links:
        record_links(repo, links)


def run_hook(name: str, args: list[str], stdin: str = "") -> list[str]:
    """Run hook ``name``; returns the problems that must block git (empty: go ahead)."""
    repo = open_repo()
    if name == "pre-commit":
        return check_staged_files(repo)
    if name == "post-rewrite":
        record_rewrites(repo, args[0] if args else "rebase", stdin)
        return []
    if name == "pre-push":
        return []
    raise GitmlError(f"unknown hook {name!r}; gitml installs pre-commit, pre-push and post-rewrite")
