"""Replacing a file atomically: write a hidden temporary file beside it, then rename.

A reader sees the old content or the new, never a partial file, and an interrupted
writer leaves at most its own temporary file (removed on the way out when it can be).
"""

from __future__ import annotations

import os
from pathlib import Path


def write_atomic(path: Path, data: bytes | str, *, mode: int | None = None) -> None:
    """Replace ``path`` with ``data`` (str is written as UTF-8); ``mode``: its permissions.

    Parent folders are made. ``OSError`` propagates for the caller to judge (a cache
    ignores it, a record turns it into a message).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
    try:
        tmp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        if mode is not None:
            tmp.chmod(mode)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
