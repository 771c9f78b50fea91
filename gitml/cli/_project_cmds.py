"""The bodies of ``git ml init``, ``hook`` and ``validate``."""

from __future__ import annotations

import sys

from gitml.cli._output import Output
from gitml.storage.repo import open_repo


def init(*, hooks: bool = False, json: bool = False, quiet: bool = False) -> None:
    """Set this repository up for gitml (idempotent)."""
    from gitml.project import init_project

    report = init_project(open_repo(), install_hooks=hooks)
    out = Output(json, quiet=quiet)
    if json:
        out.json(report.as_dict())
        return
    for rel in report.created:
        out.summary(f"created {rel}")
    for spec in report.refspecs:
        out.summary(f"fetch refspec {spec}")
    for item in report.config:
        out.summary(f"set {item}")
    for hook in report.hooks:
        out.summary(f"hook {hook.name}: {hook.action}")
    if not (report.created or report.refspecs or report.config or report.hooks):
        out.summary("already initialised; nothing to do")
    elif report.created:  # new files to commit; git config and hooks need no commit
        out.info("next: commit .gitml/ (`git add .gitml && git commit -m 'Set up gitml'`)")


def hook(*, name: str, args: list[str] | None = None) -> int:
    """Entry point of the installed git hook shims (not for direct use)."""

    from gitml.hookrun import run_hook

    stdin = sys.stdin.read() if name in ("post-rewrite", "pre-push") else ""
    problems = run_hook(name, args or [], stdin)
    out = Output()
    for problem in problems:
        out.info(f"gitml: {problem}")
    if problems:
        out.info("gitml: fix the files above, `git add` them and try again")
        return 1
    return 0


def validate(*, files: list[str] | None = None, json: bool = False, quiet: bool = False) -> int:
    """Check gitml's tracked files (.gitml/*.toml) against their JSON Schemas."""
    from gitml.validate import check_files, default_files

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
