"""The body of ``git ml hook``."""

from __future__ import annotations

import sys

from gitml.cli._output import Output
from gitml.hookrun import run_hook


def hook(*, name: str, args: list[str] | None = None) -> int:
    """Entry point of the installed git hook shims (not for direct use)."""
    stdin = sys.stdin.read() if name in ("post-rewrite", "pre-push") else ""
    problems = run_hook(name, args or [], stdin)
    out = Output()
    for problem in problems:
        out.info(f"gitml: {problem}")
    if problems:
        out.info("gitml: fix the files above, `git add` them and try again")
        return 1
    return 0
