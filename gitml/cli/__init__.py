"""The ``git ml`` command line: a thin typer layer over the domain packages.

Only this package imports typer. Command modules import domain code inside the command
functions, so ``git ml -h`` loads neither pygit2 nor any heavy library.
"""

import os
import sys
import traceback

import typer

from gitml import __version__
from gitml.cli import _commands
from gitml.errors import GitmlError

app = typer.Typer(
    name="git ml",
    help="gitml: experiment tracking, data versioning, a reviewed model registry and "
    "monitoring, stored in your git repository.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"gitml {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        help="Print gitml's version and exit.",
        callback=_version,
        is_eager=True,
    ),
) -> None:
    """gitml keeps runs, data, models and their governance inside git."""


_commands.register(app)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; the single error funnel (exit 1 user error, 3 bug, 130 Ctrl-C)."""
    command = typer.main.get_command(app)
    try:
        result = command.main(args=argv, prog_name="git ml", standalone_mode=False)
    except GitmlError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        sys.stderr.write("aborted\n")
        return 130
    except typer.TyperException as exc:
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            sys.stderr.write(f"error: {exc}\n")
        return int(getattr(exc, "exit_code", 2))
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - the one funnel for bugs
        if os.environ.get("GITML_DEBUG"):
            traceback.print_exc()
        sys.stderr.write(
            f"unexpected error: {type(exc).__name__}: {exc}\n"
            "This is a bug in gitml. Re-run with GITML_DEBUG=1 for a traceback and report it.\n"
        )
        return 3
    return result if isinstance(result, int) else 0
