"""What the bodies of ``git ml data ...`` share: progress bars and file counts."""

from __future__ import annotations

from typing import Any

from gitml.cli._output import Output
from gitml.objects.progress import NullProgress, progress_for


def progress_bars(out: Output) -> Any:
    """Bars on a terminal's stderr; nothing with --json or --quiet."""
    return NullProgress() if out.json_mode or out.quiet else progress_for()


def file_count(n: int) -> str:
    """``1 file`` or ``N files``."""
    return f"{n} file" if n == 1 else f"{n} files"
