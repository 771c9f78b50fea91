"""An exclusive advisory lock on a file, for the few steps writers must take one at a time."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """Hold ``flock(LOCK_EX)`` on ``path`` (created if missing) for the block."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if sys.platform != "win32":
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


@contextlib.contextmanager
def try_exclusive(path: Path) -> Iterator[bool]:
    """Hold ``flock(LOCK_EX)`` on ``path`` for the block if no one else holds it (True);
    False, without waiting, when someone does."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        held = True
        if sys.platform != "win32":
            import fcntl

            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                held = False
        yield held
    finally:
        os.close(fd)


def hold_shared(path: Path) -> int:
    """Take ``flock(LOCK_SH)`` on ``path`` (created if missing), waiting while someone holds
    it exclusively; the descriptor, whose closing releases it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    if sys.platform != "win32":
        import fcntl

        try:
            fcntl.flock(fd, fcntl.LOCK_SH)
        except BaseException:
            os.close(fd)
            raise
    return fd
