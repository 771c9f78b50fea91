"""Keeping the object store packed: gitml's writes leave loose objects.

``git gc --auto`` is safe next to gitml writers: it only packs what is reachable or keeps it
loose, prunes nothing younger than two weeks (so objects a writer made but has not yet
published survive), and every ref update takes ``<ref>.lock``, so ``pack-refs`` never drops an
update.
"""

from __future__ import annotations

import os
import subprocess

from gitml.storage.git import start_git
from gitml.storage.repo import GitRepo

GC_EVERY = 256
_started: list[subprocess.Popen[bytes]] = []


def note_write(repo: GitRepo) -> None:
    """Count one write; every ``GC_EVERY`` writes start ``git gc --auto`` in the background."""
    counter = repo.state_dir / "writes"
    try:
        fd = os.open(counter, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, b".")
            # After an O_APPEND write the offset is the end of *this* write, so with
            # concurrent writers each count is seen by exactly one of them.
            count = os.lseek(fd, 0, os.SEEK_CUR)
        finally:
            os.close(fd)
    except OSError:
        return
    if count % GC_EVERY == 0:
        try:
            os.truncate(counter, 0)
        except OSError:
            pass
        run_gc_auto(repo)


def run_gc_auto(repo: GitRepo) -> None:
    """Start ``git gc --auto --quiet`` without waiting (git detaches when it has work);
    a warning an earlier gc left in ``gc.log`` does not stop it."""
    _reap()
    try:
        proc = start_git(
            repo.commondir, "-c", "gc.logExpiry=now", "gc", "--auto", "--quiet", detach=True
        )
    except OSError:
        return
    _started.append(proc)


def _reap() -> None:
    """Collect the exit status of earlier gc launchers (no zombies, no ResourceWarning)."""
    _started[:] = [proc for proc in _started if proc.poll() is None]
