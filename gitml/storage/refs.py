"""Reading refs and moving them by compare-and-swap only."""

from __future__ import annotations

import pygit2

from gitml.errors import RefConflict
from gitml.storage.repo import GitRepo


def read_ref(repo: GitRepo, name: str) -> pygit2.Oid | None:
    """The commit a ref points at, or ``None`` when it does not exist."""
    try:
        ref = repo.raw.references.get(name)
    except (pygit2.GitError, ValueError):
        return None
    if ref is None:
        return None
    target = ref.target
    return target if isinstance(target, pygit2.Oid) else None


def update_ref(
    repo: GitRepo, name: str, new: pygit2.Oid, expected: pygit2.Oid | None, message: str
) -> None:
    """Point ``name`` at ``new`` only if it still points at ``expected``.

    ``expected=None`` means the ref must not exist yet. Any mismatch, or a lock held by
    another writer (git or libgit2: both use ``<ref>.lock``), raises RefConflict. Both
    cases compare under the ref's lock: libgit2's own "create unless it exists" checks
    before it locks, so two creators can both succeed and the later one silently resets a
    ref the earlier one has already moved on.
    """
    raw = repo.raw
    try:
        with raw.transaction() as txn:
            txn.lock_ref(name)
            current = read_ref(repo, name)
            if current != expected:
                raise RefConflict(f"{name} moved from {expected} to {current}")
            txn.set_target(name, new, message=message)
    except (pygit2.GitError, ValueError, OSError) as exc:
        raise RefConflict(f"{name}: {exc}") from None
