"""The ``git ml`` command line: a thin typer layer over the domain packages.

The typer declarations (``_app`` and the command modules) are the one definition of every
command; each command's work is a keyword-called body in a typer-free module of ``bodies``.
Importing typer and building its command tree costs about 40 ms, so ``main`` reads the
line from ``_spec`` (generated from the typer app) first and calls the body directly, or
prints the help typer rendered; any line that is not plainly valid goes to typer itself.
``check --staged`` (the pre-commit hook) answers the common nothing-to-check case before
that (``governance.fastcheck``).
"""

from __future__ import annotations

import gc
import sys

from gitml import TYPE_CHECKING
from gitml._version import __version__

if TYPE_CHECKING:
    from typing import Any

GC_FIRST_GENERATION = 100_000
"""Allocations between young-object collections while a command runs (Python's default:
700). A command allocates mostly objects that live as long as it does (modules, classes,
functions): at the default, importing a command's modules pays for dozens of collections
that find nothing to free."""


def __getattr__(name: str) -> Any:
    if name == "app":
        from gitml.cli._app import app

        return app
    raise AttributeError(f"module 'gitml.cli' has no attribute {name!r}")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; every path ends in the one error funnel (``_funnel.guarded``)."""
    thresholds = gc.get_threshold()
    gc.set_threshold(GC_FIRST_GENERATION, *thresholds[1:])
    try:
        return _command(sys.argv[1:] if argv is None else list(argv), argv)
    finally:
        gc.set_threshold(*thresholds)  # a caller in the same process keeps its own


def console() -> int:
    """``main`` for the ``git-ml`` and ``gitml`` scripts, whose process ends with the command:
    the collector keeps the command's threshold to the end (restored, its first collection
    would walk every object the command made, as the interpreter's exit does again)."""
    gc.set_threshold(GC_FIRST_GENERATION, *gc.get_threshold()[1:])
    return _command(sys.argv[1:], None)


def _command(args: list[str], argv: list[str] | None) -> int:
    """The fast path for what ``_spec`` knows, typer for the rest."""
    if args[:2] == ["check", "--staged"] or args == ["hook", "pre-commit"]:
        from gitml.governance.fastcheck import staged_fast

        code = staged_fast(args[2:] if args[0] == "check" else ())
        if code is not None:
            return code
    from gitml.cli._parse import Call, Help, VersionFlag, parse
    from gitml.cli._spec import COMMANDS, GROUPS, HELP

    found = parse(args, COMMANDS, GROUPS)
    if isinstance(found, Help):
        sys.stdout.write(HELP[found.path])
        return 0
    if isinstance(found, VersionFlag):
        sys.stdout.write(f"gitml {__version__}\n")
        return 0
    if isinstance(found, Call):
        from gitml.cli._body import call_body
        from gitml.cli._funnel import guarded

        return guarded(lambda: call_body(found.body, found.kwargs))
    from gitml.cli._app import main as typer_main

    return typer_main(argv)
