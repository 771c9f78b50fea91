"""Keep data out of git: add dataset paths to the root ``.gitignore``, idempotently."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from gitml.data.pointers import write_text_atomic
from gitml.storage.git import lines_z, nul_input, run_git

GITIGNORE = ".gitignore"
_SPECIAL = set("*?[\\")


def pattern_for(path: str) -> str:
    """The anchored ``.gitignore`` line matching exactly ``path`` (a file or a folder)."""
    escaped = "".join("\\" + c if c in _SPECIAL else c for c in path)
    if escaped.endswith(" "):
        escaped = escaped[:-1] + "\\ "
    return "/" + escaped


def ignored(workdir: Path, paths: Sequence[str]) -> set[str]:
    """Those of ``paths`` that git already ignores (by any rule)."""
    if not paths:
        return set()
    proc = run_git(workdir, "check-ignore", "--no-index", "--stdin", "-z", input=nul_input(paths))
    if proc.returncode not in (0, 1):
        return set()
    return set(lines_z(proc.stdout))


def ensure_ignored(workdir: Path, paths: Sequence[str]) -> list[str]:
    """Add a line to ``.gitignore`` for each path git does not ignore yet; returns the lines."""
    wanted = list(dict.fromkeys(paths))
    already = ignored(workdir, wanted)
    todo = [p for p in wanted if p not in already]
    if not todo:
        return []
    target = workdir / GITIGNORE
    try:
        text = target.read_text("utf-8")
    except FileNotFoundError:
        text = ""
    present = set(text.splitlines())
    lines = [pattern_for(p) for p in todo if pattern_for(p) not in present]
    if not lines:
        return []
    if text and not text.endswith("\n"):
        text += "\n"
    write_text_atomic(workdir, GITIGNORE, (text + "\n".join(lines) + "\n").encode("utf-8"))
    return lines
