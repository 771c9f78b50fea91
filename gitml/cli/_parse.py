"""Reading a command line from the generated spec (``_spec``), without typer.

Importing typer and building its command tree costs about 40 ms, more than most commands
need for their own work, so ``main`` first reads the line here: a valid line becomes the
keyword arguments of the command's body, ``-h`` alone after a command prints the help
typer rendered when the spec was generated. Anything else (a typo, a bad number, a
missing argument, a narrow terminal) returns None and typer handles the line, so every
error message and usage line is typer's own. ``tests/cli/test_parse.py`` holds both paths
to the same output for every command and option.
"""

import os
from collections.abc import Sequence
from typing import Any, NamedTuple

from gitml.cli._output import terminal_columns

ARG = "arg"  # one positional
ARGS = "args"  # one or more positionals (a list)
TAIL = "tail"  # a command to run: the first positional and every argument after it
TEXT = "text"  # an option with a value
PATH = "path"  # an option or positional with a file-system path value
INT = "int"  # an option with an integer value
FLOAT = "float"  # an option with a number value
MULTI = "multi"  # a repeatable option with a value (a list, or None when absent)
FLAG = "flag"  # a boolean option
HELP_OPTS = ("-h", "--help")
HELP_COLUMNS = 80  # typer wraps help at min(columns, 80) - 2: the same text from 80 up


class Param(NamedTuple):
    """One parameter of a command, as typer declares it."""

    dest: str
    kind: str
    opts: tuple[str, ...] = ()
    default: Any = None
    required: bool = False
    positional: bool = False
    values: str = ""  # what its values are, for completion (``_values.Values.spec``)
    help: str = ""  # the first sentence of its help, for completion menus


class Command(NamedTuple):
    """A command's body (``module:function``) and parameters."""

    body: str
    params: tuple[Param, ...]
    interspersed: bool = True


class Call(NamedTuple):
    """A parsed line: call ``body`` with ``kwargs``."""

    body: str
    kwargs: dict[str, Any]


class Help(NamedTuple):
    """A request for the help of ``path`` (``()``: the whole program)."""

    path: tuple[str, ...]


class VersionFlag(NamedTuple):
    """``--version``."""


def _convert(kind: str, raw: str) -> Any:
    """The typed value (ValueError: typer reports the bad value)."""
    if kind == INT:
        return int(raw)
    if kind == FLOAT:
        return float(raw)
    if kind == PATH:
        from pathlib import Path

        return Path(raw)
    return raw


def _default(param: Param) -> Any:
    if param.kind == PATH and param.default is not None:
        return _convert(PATH, param.default)
    return param.default


def parse_args(command: Command, argv: Sequence[str]) -> dict[str, Any] | None:
    """Keyword arguments for the command's body, or None when typer should handle ``argv``."""
    params = command.params
    by_opt = {opt: p for p in params for opt in p.opts}
    values: dict[str, Any] = {p.dest: _default(p) for p in params}
    positionals: list[str] = []
    args = list(argv)
    i = 0
    while i < len(args):
        arg = args[i]
        i += 1
        if arg == "--":
            positionals.extend(args[i:])
            break
        if not arg.startswith("-") or arg == "-":
            if not command.interspersed:  # the command's own options are not ours
                positionals.extend(args[i - 1 :])
                break
            positionals.append(arg)
            continue
        if arg.startswith("--"):
            name, eq, attached = arg.partition("=")
        else:
            name, attached = arg[:2], arg[2:]
            eq = "=" if attached else ""
        param = by_opt.get(name)
        if param is None:
            return None
        if param.kind == FLAG:
            if eq:
                return None
            values[param.dest] = True
            continue
        if not eq:
            if i >= len(args):
                return None
            attached = args[i]
            i += 1
        try:
            value = _convert(TEXT if param.kind == MULTI else param.kind, attached)
        except ValueError:
            return None
        if param.kind == MULTI:
            values[param.dest] = [*(values[param.dest] or ()), value]
        else:
            values[param.dest] = value
    for param in params:
        if not param.positional:
            if param.required and values[param.dest] is None:
                return None
            continue
        if param.kind in (ARGS, TAIL):
            if positionals:
                values[param.dest], positionals = positionals, []
            elif param.required:
                return None
        elif positionals:
            values[param.dest] = _convert(param.kind, positionals.pop(0))
        elif param.required:
            return None
    return None if positionals else values


def _wide_terminal() -> bool:
    return terminal_columns(fallback=HELP_COLUMNS) >= HELP_COLUMNS


def parse(
    argv: Sequence[str],
    commands: dict[tuple[str, ...], Command],
    groups: frozenset[tuple[str, ...]],
) -> Call | Help | VersionFlag | None:
    """What ``git ml ARGV`` asks for, or None when typer should read the line."""
    if os.environ.get("GITML_FAST_CLI") == "0":
        return None
    if list(argv) == ["--version"]:
        return VersionFlag()
    depth = 0
    while depth < len(argv) and tuple(argv[:depth]) not in commands:
        if tuple(argv[: depth + 1]) not in groups and tuple(argv[: depth + 1]) not in commands:
            break
        depth += 1
    path, rest = tuple(argv[:depth]), list(argv[depth:])
    if rest and rest[0] in HELP_OPTS and len(rest) == 1 and (path in groups or path in commands):
        return Help(path) if _wide_terminal() else None
    command = commands.get(path)
    if command is None:
        return None
    kwargs = parse_args(command, rest)
    return Call(command.body, kwargs) if kwargs is not None else None
