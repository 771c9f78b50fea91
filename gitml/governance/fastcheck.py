"""``git ml check --staged`` without pygit2 or typer when nothing gitml-related is staged.

It runs on every commit, so the common case (no gitml file, no large file) is answered
with two git calls, silently (a hook says nothing on success); anything else returns
None and the full check runs.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from gitml.config import GITML_DIR, load_settings
from gitml.storage.git import raw_changes, run_git


def staged_fast(files: Sequence[str] = ()) -> int | None:
    """0 when the staged change has nothing for the full check to look at; None otherwise.

    ``files`` are what pre-commit passes: any gitml file among them, or anything that is
    not a plain file name, needs the full check.
    """
    if any(f.startswith(("-", f"{GITML_DIR}/")) or f == GITML_DIR for f in files):
        return None
    raw = run_git(".", "diff", "--cached", "--raw", "--no-abbrev", "--no-renames", "-z")
    top = run_git(".", "rev-parse", "--show-toplevel")
    if raw.returncode != 0 or top.returncode != 0:
        return None
    shas: list[str] = []
    for change in raw_changes(raw.stdout):
        if change.path.startswith(f"{GITML_DIR}/") or change.path == GITML_DIR:
            return None
        if change.status in ("A", "M", "T") and change.new_mode != "160000":
            shas.append(change.new_oid)
    if shas:
        limit = load_settings(Path(os.fsdecode(top.stdout).strip())).max_git_file_bytes
        sizes = run_git(
            ".", "cat-file", "--batch-check=%(objectsize)", input=("\n".join(shas) + "\n").encode()
        )
        if sizes.returncode != 0 or any(
            not s.isdigit() or int(s) > limit for s in sizes.stdout.decode().split()
        ):
            return None
    return 0
