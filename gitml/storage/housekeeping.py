"""Keeping the object store packed: libgit2 writes loose objects and never runs gc."""

from __future__ import annotations

import os
import subprocess

from gitml.storage.repo import GitRepo

GC_EVERY = 256


def note_write(repo: GitRepo) -> None:
    """Count one write; every ``GC_EVERY`` writes start ``git gc --auto`` in the background."""
    counter = repo.state_dir / "writes"
    try:
        fd = os.open(counter, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, b".")
            size = os.fstat(fd).st_size
        finally:
            os.close(fd)
    except OSError:
        return
    if size % GC_EVERY == 0:
        try:
            os.truncate(counter, 0)
        except OSError:
            pass
        run_gc_auto(repo)


def run_gc_auto(repo: GitRepo) -> None:
    """Start ``git gc --auto --quiet`` without waiting (git detaches when it has work)."""
    try:
        subprocess.Popen(
            ["git", "--git-dir", str(repo.commondir), "gc", "--auto", "--quiet"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:
        pass
