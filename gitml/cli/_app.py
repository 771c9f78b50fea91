"""The typer app: every command registered, and its entry through the error funnel.

Commands name their bodies (``bodies/``) rather than import them, so building the app
loads no domain code, neither pygit2 nor any heavy library.
"""

import sys

import typer

from gitml._version import __version__
from gitml.cli import _commands
from gitml.cli._funnel import guarded

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
    """Run the typer app through the error funnel."""
    command = typer.main.get_command(app)

    def invoke() -> int:
        try:
            result = command.main(args=argv, prog_name="git ml", standalone_mode=False)
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
        return result if isinstance(result, int) else 0

    return guarded(invoke)
