"""Usage lines in the conventional form: ``git ml promote [OPTIONS] NAME VERSION STAGE``.

typer writes a required argument as ``{name}``; the convention of git, POSIX and man
pages is the metavar itself for a required argument, ``[X]`` for an optional one and
``X...`` for one that repeats. Every command is declared with this class
(``_declare.command``), and ``tests/cli/test_usage.py`` walks every command's ``-h``.
"""

from typing import Any

import typer.core


def usage_piece(metavar: str, *, required: bool, many: bool) -> str:
    """``RUN``, ``[RUN]``, ``RUN...`` or ``[RUN]...``; a metavar with its own brackets or
    a leading ``-`` (``-- CMD...``) is shown as written."""
    if metavar.startswith(("[", "-")):
        return metavar
    base = metavar.removesuffix("...")
    piece = base if required else f"[{base}]"
    return f"{piece}..." if many else piece


class ConventionalCommand(typer.core.TyperCommand):
    """A typer command whose usage line names its arguments the conventional way."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name != "argument":
                continue
            metavar = param.metavar or (param.name or "").upper()
            pieces.append(usage_piece(metavar, required=param.required, many=param.nargs != 1))
        return pieces
