"""Reading refs and moving them by compare-and-swap only."""

from __future__ import annotations

import contextlib
import random
import time
from pathlib import Path

import pygit2

from gitml.errors import RefConflict, write_failure
from gitml.storage.filelock import exclusive
from gitml.storage.repo import GitRepo

# Writers hold ``<ref>.lock`` for well under a millisecond; a lock whose file has not been
# touched for this long belongs to a killed process. Short enough that the writer after a
# crash waits instead of failing, long enough that no live writer (even one descheduled on
# a loaded machine) is ever robbed of its lock.
STALE_LOCK_SECONDS = 10.0
# How long a writer keeps retrying a contended ref; longer than STALE_LOCK_SECONDS so a
# lock left by a killed writer is always outlived and broken, never reported as an error.
RETRY_SECONDS = STALE_LOCK_SECONDS + 20.0


def read_ref(repo: GitRepo, name: str) -> pygit2.Oid | None:
    """The commit a ref points at, or ``None`` when it does not exist."""
    try:
        ref = repo.raw.lookup_reference(name)
    except (KeyError, pygit2.GitError, ValueError):
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
    if expected is not None:
        _move_ref(repo, name, new, expected, message)
        return
    try:
        with raw.transaction() as txn:
            txn.lock_ref(name)
            current = read_ref(repo, name)
            if current != expected:
                raise RefConflict(f"{name} moved from {expected} to {current}")
            txn.set_target(name, new, message=message)
    except (pygit2.GitError, ValueError, OSError) as exc:
        raise write_failure(exc, f"ref {name}") or RefConflict(f"{name}: {exc}") from None


def _move_ref(
    repo: GitRepo, name: str, new: pygit2.Oid, expected: pygit2.Oid, message: str
) -> None:
    """Move an existing ref; libgit2 re-reads it under ``<ref>.lock`` and compares.

    ``git_reference_set_target`` is ``create_matching(force, current=old target)``: the
    files backend takes the lock, re-reads the ref and fails with "old reference value
    does not match" when another writer moved it, so this is a compare-and-swap without
    the cffi transaction API (and without loading the rest of pygit2).
    """
    try:
        ref = repo.raw.lookup_reference(name)
        if ref.target != expected:
            raise RefConflict(f"{name} moved from {expected} to {ref.target}")
        ref.set_target(new, message)
    except KeyError:
        raise RefConflict(f"{name} was deleted (expected {expected})") from None
    except (pygit2.GitError, ValueError, OSError) as exc:
        raise write_failure(exc, f"ref {name}") or RefConflict(f"{name}: {exc}") from None


def lock_path(repo: GitRepo, name: str) -> Path:
    """The ``<ref>.lock`` file git and libgit2 create while updating ``name``."""
    return repo.commondir / f"{name}.lock"


def backoff(attempt: int) -> None:
    """Sleep a jittered, exponentially growing time (at most 50 ms) before a retry."""
    time.sleep(random.uniform(0, min(0.05, 0.0005 * (2 ** min(attempt, 7)))))


def clear_stale_lock(repo: GitRepo, name: str, max_age: float | None = None) -> bool:
    """Remove ``<ref>.lock`` if it is older than ``max_age`` seconds; True if removed.

    Breakers serialise on a lock of their own and re-check the lock file's identity under
    it, so two waiters that saw the same stale lock cannot remove the fresh lock a third
    writer took in between.
    """
    limit = STALE_LOCK_SECONDS if max_age is None else max_age
    lock = lock_path(repo, name)
    seen = _stale_identity(lock, limit)
    if seen is None:
        return False
    with exclusive(repo.state_dir / "lock-breaker"):
        if _stale_identity(lock, limit) != seen:
            return False
        with contextlib.suppress(FileNotFoundError):
            lock.unlink()
    return True


def _stale_identity(lock: Path, limit: float) -> tuple[int, int] | None:
    try:
        st = lock.stat()
    except OSError:
        return None
    if time.time() - st.st_mtime <= limit:
        return None
    return (st.st_ino, st.st_mtime_ns)
