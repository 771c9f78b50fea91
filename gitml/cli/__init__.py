"""The ``git ml`` command line: a thin typer layer over the domain packages.

Only this package imports typer, and only when a command needs it: importing typer and
building its command tree costs about 40 ms. ``git ml run`` and the everyday read and
registry commands (``ls``, ``show``, ``model show``, ``promote``, ``registry apply``, ...)
go through a typer-free parser first (``_fast``); ``check --staged`` (and the pre-commit
hook) answers the common nothing-to-check case the same way (``governance.fastcheck``).
Anything those parsers do not accept (help, typos, bad values) falls through to the typer
app in ``_app``.
"""

import sys
from typing import Any


def __getattr__(name: str) -> Any:
    if name == "app":
        from gitml.cli._app import app

        return app
    raise AttributeError(f"module 'gitml.cli' has no attribute {name!r}")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; the single error funnel lives in ``_app.main``."""
    args = sys.argv[1:] if argv is None else list(argv)
    if args[:2] == ["check", "--staged"] or args == ["hook", "pre-commit"]:
        from gitml.governance.fastcheck import staged_fast

        code = staged_fast(args[2:] if args[0] == "check" else ())
        if code is not None:
            return code
    from gitml.cli._fast import dispatch

    code = dispatch(args)
    if code is not None:
        return code
    from gitml.cli._app import main as typer_main

    return typer_main(argv)
