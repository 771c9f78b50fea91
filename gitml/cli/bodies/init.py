"""The body of ``git ml init``."""

from __future__ import annotations

from gitml.cli._output import Output
from gitml.project import init_project
from gitml.storage.repo import open_repo


def init(*, hooks: bool = False, json: bool = False, quiet: bool = False) -> None:
    """Set this repository up for gitml (idempotent)."""
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
