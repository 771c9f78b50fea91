"""The body of ``git ml validate``."""

from __future__ import annotations

from gitml.cli._output import Output
from gitml.storage.repo import open_repo
from gitml.validate import check_files, default_files


def validate(*, files: list[str] | None = None, json: bool = False, quiet: bool = False) -> int:
    """Check gitml's tracked files (.gitml/*.toml) against their JSON Schemas."""
    workdir = open_repo().workdir
    names = files if files else default_files(workdir)
    problems = check_files(workdir, names)
    out = Output(json, quiet=quiet)
    out.emit({"ok": not problems, "files": names, "problems": problems})
    if not json:
        for problem in problems:
            out.error(problem)
        if not problems:
            out.info(f"{len(names)} file(s) valid")
    if problems:
        return 1
    return 0
