"""What the installed git hook shims do."""

from __future__ import annotations

from gitml.config import CONFIG_FILE, POLICY_FILE, STAGES_FILE
from gitml.errors import GitmlError, InvalidRecord
from gitml.records import codec
from gitml.records.schema import find_errors
from gitml.storage.repo import GitRepo, open_repo

TRACKED_KINDS = {CONFIG_FILE: "config", POLICY_FILE: "policy", STAGES_FILE: "stages"}


def check_staged_files(repo: GitRepo) -> list[str]:
    """Schema problems in the staged versions of gitml's tracked files."""
    staged = repo.git("diff", "--cached", "--name-only", "--diff-filter=AM").stdout.split("\n")
    problems = []
    for rel in staged:
        kind = TRACKED_KINDS.get(rel)
        if kind is None:
            continue
        text = repo.git("show", f":{rel}").stdout
        try:
            doc = codec.loads(text, where=rel)
        except InvalidRecord as exc:
            problems.append(str(exc))
            continue
        problems.extend(f"{rel}: {error}" for error in find_errors(doc, kind))
    return problems


def run_hook(name: str, args: list[str]) -> list[str]:
    """Run hook ``name``; returns the problems that must block git (empty: go ahead)."""
    repo = open_repo()
    if name == "pre-commit":
        return check_staged_files(repo)
    if name in ("pre-push", "post-rewrite"):
        return []
    raise GitmlError(f"unknown hook {name!r}; gitml installs pre-commit, pre-push and post-rewrite")
