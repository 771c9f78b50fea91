"""``git ml check --staged`` without pygit2 or typer when nothing gitml-related is staged.

It runs on every commit, so the common case (no gitml file, no large file) is answered
with two git calls, silently (a hook says nothing on success); anything else returns
None and the full check runs.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from gitml.config import GITML_DIR


def _git(*args: str, stdin: str | None = None) -> str | None:
    proc = subprocess.run(["git", *args], input=stdin, capture_output=True, text=True, check=False)
    return proc.stdout if proc.returncode == 0 else None


def staged_fast() -> int | None:
    """0 when the staged change has nothing for the full check to look at; None otherwise."""
    raw = _git("diff", "--cached", "--raw", "--no-abbrev", "--no-renames", "-z")
    top = _git("rev-parse", "--show-toplevel")
    if raw is None or top is None:
        return None
    fields = raw.split("\0")
    shas: list[str] = []
    for meta, path in zip(fields[0::2], fields[1::2], strict=False):
        if not meta.startswith(":"):
            continue
        parts = meta.split()
        if path.startswith(f"{GITML_DIR}/") or path == GITML_DIR:
            return None
        if parts[4] in ("A", "M", "T") and parts[1] != "160000":
            shas.append(parts[3])
    if shas:
        from gitml.config import load_settings

        limit = load_settings(Path(top.strip())).max_git_file_mb * 1024 * 1024
        sizes = _git("cat-file", "--batch-check=%(objectsize)", stdin="\n".join(shas) + "\n")
        if sizes is None or any(not s.isdigit() or int(s) > limit for s in sizes.split()):
            return None
    return 0
