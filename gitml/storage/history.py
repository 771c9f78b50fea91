"""Questions about code history: resolving revisions, ancestry, and patch identity."""

from __future__ import annotations

import subprocess

import pygit2

from gitml.errors import GitmlError
from gitml.storage.repo import GitRepo


def resolve_commit(repo: GitRepo, rev: str) -> str:
    """The full sha of the commit ``rev`` names; a clear error when it names none."""
    try:
        obj = repo.raw.revparse_single(rev)
        return str(obj.peel(pygit2.Commit).id)
    except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError):
        raise GitmlError(f"{rev!r} does not name a commit in this repository") from None


def is_ancestor(repo: GitRepo, ancestor: str, descendant: str) -> bool:
    """True when ``ancestor`` is ``descendant`` or reachable from it."""
    if ancestor == descendant:
        return True
    try:
        return bool(repo.raw.descendant_of(descendant, ancestor))
    except (KeyError, ValueError, pygit2.GitError):
        return False


def first_parent(repo: GitRepo, commit: str) -> str | None:
    """The first parent of ``commit`` (None for a root commit)."""
    parents = repo.raw[commit].peel(pygit2.Commit).parent_ids
    return str(parents[0]) if parents else None


def first_parent_commits(repo: GitRepo, head: str, limit: int) -> list[str]:
    """Up to ``limit`` commits of ``head``'s first-parent history, newest first."""
    out: list[str] = []
    oid: pygit2.Oid | None = pygit2.Oid(hex=head)
    while oid is not None and len(out) < limit:
        commit = repo.raw[oid].peel(pygit2.Commit)
        out.append(str(commit.id))
        oid = commit.parent_ids[0] if commit.parent_ids else None
    return out


def merge_base(repo: GitRepo, a: str, b: str) -> str | None:
    try:
        base = repo.raw.merge_base(a, b)
    except (KeyError, ValueError, pygit2.GitError):
        return None
    return str(base) if base is not None else None


def patch_id(repo: GitRepo, base: str | None, tip: str) -> str | None:
    """git's stable patch id of the change ``base..tip`` (``base=None``: tip's own change).

    Equal ids mean the same change, which is how a rebased, cherry-picked or squashed
    commit is recognised; None for an empty change.
    """
    if base is None:
        diff = subprocess.run(
            ["git", "diff-tree", "-p", "--root", "--no-commit-id", tip],
            cwd=repo.workdir_or_gitdir,
            capture_output=True,
            check=False,
        )
    else:
        diff = subprocess.run(
            ["git", "diff", "--no-color", base, tip],
            cwd=repo.workdir_or_gitdir,
            capture_output=True,
            check=False,
        )
    if diff.returncode != 0 or not diff.stdout.strip():
        return None
    proc = subprocess.run(
        ["git", "patch-id", "--stable"],
        cwd=repo.workdir_or_gitdir,
        input=b"commit " + b"0" * 40 + b"\n" + diff.stdout,
        capture_output=True,
        check=False,
    )
    words = proc.stdout.split()
    return words[0].decode() if proc.returncode == 0 and words else None
