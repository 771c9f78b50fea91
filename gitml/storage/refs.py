"""Reading refs and moving them by compare-and-swap only (one ``git update-ref REF NEW OLD``)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from pathlib import Path

from gitml.errors import GitmlError, RefConflict, write_failure
from gitml.storage.filelock import exclusive
from gitml.storage.git import ZERO_OID, last_line, run_git
from gitml.storage.repo import GitRepo

# Writers hold ``<ref>.lock`` for well under a millisecond; a lock whose file has not been
# touched for this long belongs to a killed process. Short enough that the writer after a
# crash waits instead of failing, long enough that no live writer (even one descheduled on
# a loaded machine) is ever robbed of its lock.
STALE_LOCK_SECONDS = 10.0
# How long a writer keeps retrying a contended ref; longer than STALE_LOCK_SECONDS so a
# lock left by a killed writer is always outlived and broken, never reported as an error.
RETRY_SECONDS = STALE_LOCK_SECONDS + 20.0


def read_ref(repo: GitRepo, name: str) -> str | None:
    """The commit a ref points at, or ``None`` when it does not exist."""
    found = repo.odb.read(name)
    return found.oid if found is not None and found.kind == "commit" else None


def update_ref(
    repo: GitRepo, name: str, new: object, expected: object | None, message: str
) -> None:
    """Point ``name`` at ``new`` only if it still points at ``expected``.

    ``expected=None`` means the ref must not exist yet. git compares under the ref's lock
    (``<ref>.lock``, which libgit2 takes too); a mismatch or a lock held by another writer
    raises RefConflict.
    """
    update_refs(repo, [(name, new, expected)], message)


def update_refs(
    repo: GitRepo, updates: Sequence[tuple[str, object, object | None]], message: str
) -> None:
    """Move every ``(name, new, expected)`` as ``update_ref`` does, all in one transaction.

    One ``git update-ref --stdin``: git locks every ref, compares each, and moves all of
    them or none; a mismatch or a lock held by another writer raises RefConflict.
    """
    stdin = b"".join(
        b"update %s\0%s\0%s\0"
        % (name.encode(), str(new).encode(), (str(old) if old is not None else ZERO_OID).encode())
        for name, new, old in updates
    )
    proc = run_git(
        repo.workdir_or_gitdir, "update-ref", "--no-deref", "-m", message, "--stdin", "-z",
        input=stdin,
    )  # fmt: skip
    if proc.returncode == 0:
        return
    names = ", ".join(name for name, _new, _old in updates)
    failure = write_failure(proc.stderr.decode("utf-8", "replace"), f"ref {names}")
    if failure is not None:  # a full or read-only disk is no conflict: retrying cannot help
        raise failure
    if b"cannot lock ref" in proc.stderr:
        detail = proc.stderr.decode("utf-8", "replace").splitlines()[0]
        raise RefConflict(f"{names}: {detail.removeprefix('fatal: ')}")
    raise GitmlError(f"{names}: git refused the update: {last_line(proc.stderr)}")


def lock_path(repo: GitRepo, name: str) -> Path:
    """The ``<ref>.lock`` file git and libgit2 create while updating ``name``."""
    return repo.commondir / f"{name}.lock"


def backoff(attempt: int) -> None:
    """Sleep a jittered, exponentially growing time (at most 50 ms) before a retry."""
    import random  # only writers that lost a race get here

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
