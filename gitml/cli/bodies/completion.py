"""The bodies of ``git ml completion`` and ``git ml __complete``."""

from __future__ import annotations

from pathlib import Path

from gitml.cli._complete import run
from gitml.cli._output import Output
from gitml.errors import UsageError

SCRIPTS = {"bash": "git-ml.bash", "zsh": "_git-ml.zsh", "fish": "git-ml.fish"}


def completion(*, shell: str) -> None:
    """Print the completion script for SHELL (for `git ml` and `gitml`)."""
    if shell not in SCRIPTS:
        raise UsageError(f"no completion for {shell!r}; use one of {', '.join(SCRIPTS)}")
    script = Path(__file__).parent.parent.parent / "_resources" / "completion" / SCRIPTS[shell]
    Output().text(script.read_text("utf-8"))


def complete(*, words: list[str] | None = None) -> None:
    """What can follow WORDs: one line with the fallback, then a candidate per line."""
    Output().text(run(words or [""]))
