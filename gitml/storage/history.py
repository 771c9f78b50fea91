"""Questions about code history: resolving revisions, ancestry, and patch identity."""

from __future__ import annotations

from gitml.errors import GitmlError
from gitml.storage.git import run_git
from gitml.storage.odb import walk_first_parents
from gitml.storage.repo import GitRepo


def resolve_commit(repo: GitRepo, rev: str) -> str:
    """The full sha of the commit ``rev`` names; a clear error when it names none."""
    proc = repo.git(
        "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}", check=False
    )
    if proc.returncode != 0 or not proc.stdout.strip():
        raise GitmlError(f"{rev!r} does not name a commit in this repository")
    return proc.stdout.strip()


WALK_LIMIT = 32
"""How many commits a history question reads through the object reader before it asks
git (each read is one round trip to ``cat-file``; a git process costs a few dozen)."""


def is_ancestor(repo: GitRepo, ancestor: str, descendant: str) -> bool:
    """True when ``ancestor`` is ``descendant`` or reachable from it.

    An ancestor a few first parents back (a branch a commit or a merge ahead) is found by
    reading those commits; anything else is git's ``merge-base --is-ancestor``.
    """
    if ancestor == descendant:
        return True
    if _parents_as_stored(repo) and _on_first_parents(repo, ancestor, descendant):
        return True
    return (
        repo.git("merge-base", "--is-ancestor", ancestor, descendant, check=False).returncode == 0
    )


def _parents_as_stored(repo: GitRepo) -> bool:
    """Whether git walks the parents commits store: not in a shallow clone (git stops at
    its shallow commits) and with no grafts file (git walks the grafted parents)."""
    return not repo.is_shallow and not (repo.commondir / "info" / "grafts").exists()


def _on_first_parents(repo: GitRepo, ancestor: str, descendant: str) -> bool:
    """Whether ``ancestor`` is among the first ``WALK_LIMIT`` first parents of ``descendant``."""
    try:
        for n, commit in enumerate(walk_first_parents(repo.odb, descendant)):
            if commit.oid == ancestor:
                return True
            if n >= WALK_LIMIT:
                return False
    except KeyError:  # beyond a shallow clone's history, or no such commit
        return False
    return False


def linear_range(repo: GitRepo, tip: str, base: str) -> list[str] | None:
    """The commits ``tip`` reaches and ``base`` does not, newest first, when they are a
    line of at most ``WALK_LIMIT`` single-parent commits ending on ``base``; None otherwise
    (a merge, a longer or unrelated history, a shallow clone or grafts: ask ``git rev-list``).

    Exact: each commit of such a line reaches ``base`` only through its one parent, and
    none of them is reachable from ``base`` (history has no cycles).
    """
    if not _parents_as_stored(repo):
        return None
    out: list[str] = []
    oid = tip
    while oid != base:
        if len(out) >= WALK_LIMIT:
            return None
        try:
            commit = repo.odb.commit(oid)
        except KeyError:
            return None
        if len(commit.parents) != 1:
            return None
        out.append(commit.oid)
        oid = commit.parents[0]
    return out


def first_parent(repo: GitRepo, commit: str) -> str | None:
    """The first parent of ``commit`` (None for a root commit)."""
    parents = repo.odb.commit(commit).parents
    return parents[0] if parents else None


def first_parent_commits(repo: GitRepo, head: str, limit: int) -> list[str]:
    """Up to ``limit`` commits of ``head``'s first-parent history, newest first (ending at
    a shallow clone's first commit)."""
    out: list[str] = []
    for commit in walk_first_parents(repo.odb, head, shallow=repo.shallow_commits()):
        if len(out) >= limit:
            break
        out.append(commit.oid)
    return out


def merge_base(repo: GitRepo, a: str, b: str) -> str | None:
    proc = repo.git("merge-base", a, b, check=False)
    return proc.stdout.strip() or None if proc.returncode == 0 else None


def patch_id(repo: GitRepo, base: str | None, tip: str) -> str | None:
    """git's stable patch id of the change ``base..tip`` (``base=None``: tip's own change).

    Equal ids mean the same change, which is how a rebased, cherry-picked or squashed
    commit is recognised; None for an empty change.
    """
    cwd = repo.workdir_or_gitdir
    if base is None:
        diff = run_git(cwd, "diff-tree", "-p", "--root", "--no-commit-id", tip)
    else:
        diff = run_git(cwd, "diff", "--no-color", base, tip)
    if diff.returncode != 0 or not diff.stdout.strip():
        return None
    proc = run_git(cwd, "patch-id", "--stable", input=b"commit " + b"0" * 40 + b"\n" + diff.stdout)
    words = proc.stdout.split()
    return words[0].decode() if proc.returncode == 0 and words else None
