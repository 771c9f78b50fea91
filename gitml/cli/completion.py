"""``git ml completion bash|zsh|fish`` and the hidden ``__complete`` the scripts call."""

from typing import Annotated

import typer

from gitml.cli._declare import command
from gitml.cli._values import choices

ShellArg = Annotated[
    str,
    typer.Argument(metavar="SHELL", help="bash, zsh or fish.", show_default=False),
    choices("bash", "zsh", "fish"),
]


def completion(shell: ShellArg) -> None:
    """Print the completion script for SHELL (for `git ml` and `gitml`).

    bash: git ml completion bash > ~/.local/share/bash-completion/completions/git-ml
    zsh:  git ml completion zsh > ~/.zfunc/_git-ml (with ~/.zfunc on $fpath)
    fish: git ml completion fish > ~/.config/fish/completions/git-ml.fish
    """


def complete(
    words: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="-- WORD...", help="The words after `git ml`, the last one unfinished."
        ),
    ] = None,
) -> None:
    """What can follow WORDs: one line with the fallback, then a candidate per line."""


def register(app: typer.Typer) -> None:
    command(app, "completion", completion, "completion:completion")
    command(
        app,
        "__complete",
        complete,
        "completion:complete",
        hidden=True,
        context_settings={"allow_interspersed_args": False},
    )
