"""``git ml init`` and ``git ml hook``."""

from typing import Annotated

import typer

from gitml.cli._options import JsonOpt
from gitml.cli._output import Output


def init(
    hooks: Annotated[
        bool, typer.Option("--hooks", help="Install git hook shims (chains existing hooks).")
    ] = False,
    json: JsonOpt = False,
) -> None:
    """Set this repository up for gitml (idempotent)."""
    from gitml.project import init_project
    from gitml.storage.repo import open_repo

    report = init_project(open_repo(), install_hooks=hooks)
    out = Output(json)
    if json:
        out.json(report.as_dict())
        return
    for rel in report.created:
        out.line(f"created {rel}")
    for spec in report.refspecs:
        out.line(f"fetch refspec {spec}")
    for item in report.config:
        out.line(f"set {item}")
    for hook in report.hooks:
        out.line(f"hook {hook.name}: {hook.action}")
    if not (report.created or report.refspecs or report.config or report.hooks):
        out.line("already initialised; nothing to do")
    elif report.created:  # new files to commit; git config and hooks need no commit
        out.info("next: commit .gitml/ (`git add .gitml && git commit -m 'Set up gitml'`)")


def hook(
    name: Annotated[
        str, typer.Argument(help="The git hook being run (pre-commit, pre-push, post-rewrite).")
    ],
    args: Annotated[
        list[str] | None, typer.Argument(help="Arguments git passed to the hook.")
    ] = None,
) -> None:
    """Entry point of the installed git hook shims (not for direct use)."""
    import sys

    from gitml.hookrun import run_hook

    stdin = sys.stdin.read() if name in ("post-rewrite", "pre-push") else ""
    problems = run_hook(name, args or [], stdin)
    out = Output()
    for problem in problems:
        out.info(f"gitml: {problem}")
    if problems:
        out.info("gitml: fix the files above, `git add` them and try again")
        raise typer.Exit(1)


def validate(
    files: Annotated[
        list[str] | None,
        typer.Argument(help="Files to check (default: every gitml file under .gitml/)."),
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Check gitml's tracked files (.gitml/*.toml) against their JSON Schemas."""
    from gitml.storage.repo import open_repo
    from gitml.validate import check_files, default_files

    workdir = open_repo().workdir
    names = files if files else default_files(workdir)
    problems = check_files(workdir, names)
    out = Output(json)
    out.emit({"ok": not problems, "files": names, "problems": problems})
    if not json:
        for problem in problems:
            out.error(problem)
        if not problems:
            out.info(f"{len(names)} file(s) valid")
    if problems:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("hook", hidden=True)(hook)
    app.command("validate")(validate)
