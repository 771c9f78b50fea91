"""``git ml demo``: a throwaway repository that walks a newcomer through gitml."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from gitml.errors import GitmlError

PROJECT = Path(__file__).resolve().parent / "project"
GITML = (sys.executable, "-m", "gitml")


@dataclass(frozen=True)
class Step:
    """One demo step: what it shows, and the command (``git ml`` is gitml itself)."""

    say: str
    argv: tuple[str, ...]
    expect_fail: bool = False

    def display(self) -> str:
        words = ["git ml" if i == 0 and a == "gitml" else a for i, a in enumerate(self.argv)]
        return " ".join(_quote(w) if i else w for i, w in enumerate(words))

    def command(self) -> tuple[str, ...]:
        if self.argv[0] == "gitml":
            return (*GITML, *self.argv[1:])
        return (*(["git", *self.argv[1:]] if self.argv[0] == "git" else self.argv),)


def _quote(word: str) -> str:
    return word if word and all(c.isalnum() or c in "-_./=:@,+" for c in word) else repr(word)


def prepare(target: Path) -> None:
    """Create ``target`` with the demo's project files (refuses a non-empty folder)."""
    if target.exists() and any(target.iterdir()):
        raise GitmlError(f"{target}: the demo needs an empty or new folder; pass another DIR")
    target.mkdir(parents=True, exist_ok=True)
    for name in ("train.py", "params.toml", "make_data.py"):
        shutil.copy(PROJECT / name, target / name)
    (target / ".gitignore").write_text("metrics.json\nmodel.json\n__pycache__/\n")


def steps() -> Iterator[Step]:
    py = sys.executable
    yield Step(
        "A fresh repository with a small training project.", ("git", "init", "-q", "-b", "main")
    )
    yield Step("Make the training data (deterministic).", (py, "make_data.py"))
    yield Step(
        "Commit the code.", ("git", "add", "train.py", "params.toml", "make_data.py", ".gitignore")
    )
    yield Step("", ("git", "commit", "-q", "-m", "Add a logistic-regression trainer"))
    yield Step(
        "Set the repository up for gitml: settings, policy, stages, refspecs.", ("gitml", "init")
    )
    yield Step("The settings are files, reviewed like code.", ("git", "add", ".gitml"))
    yield Step("", ("git", "commit", "-q", "-m", "Set up gitml"))
    yield Step("Train once without gitml, to see the script work.", (py, "train.py"))
    yield Step(
        "Everything gitml records lives under refs/gitml/* and refs/notes/gitml.",
        ("git", "for-each-ref", "refs/gitml/", "refs/notes/"),
    )


def run_demo(target: Path, run: Callable[[Step], int]) -> None:
    """Prepare ``target`` and run every step through ``run`` (which prints and executes)."""
    prepare(target)
    for step in steps():
        code = run(step)
        if (code != 0) != step.expect_fail:
            raise GitmlError(
                f"demo step `{step.display()}` exited with {code}; the folder {target} is kept for a look"
            )
