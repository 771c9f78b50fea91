"""``git ml run`` and the everyday read and registry commands without typer.

Importing typer and building the click command tree costs about 40 ms, more than the
commands people type all day (``run``, ``ls``, ``show``, ``model show``, ``promote``,
``registry apply``) need for their own work. For those, ``dispatch`` parses the line from
the table below and calls the same function the typer command calls. The table mirrors
the typer declarations exactly (``tests/cli/test_fast.py`` rebuilds it from the click
command tree and compares); anything it does not accept (``--help``, a typo, a bad
number, a missing argument) returns None and typer handles the line as always, with its
usual help and usage errors. ``GITML_FAST_CLI=0`` turns this off.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

ARG = "arg"  # one positional
ARGS = "args"  # one or more positionals (a list)
TAIL = "tail"  # a command to run: the first positional and every argument after it
TEXT = "text"  # an option with a value
PATH = "path"  # an option with a file-system path value
INT = "int"  # an option with an integer value
MULTI = "multi"  # a repeatable option with a value (a list, or None when absent)
FLAG = "flag"  # a boolean option


@dataclass(frozen=True)
class Param:
    """One parameter of a command, as click declares it."""

    dest: str
    kind: str
    opts: tuple[str, ...] = ()
    default: Any = None
    required: bool = False


_JSON = Param("json", FLAG, ("--json",), False)
_STAGE_FLAGS = (
    Param("branch", FLAG, ("--branch", "-b"), False),
    Param("branch_name", TEXT, ("--branch-name",)),
    Param("direct", FLAG, ("--direct",), False),
    _JSON,
)

COMMANDS: dict[tuple[str, ...], tuple[str, tuple[Param, ...]]] = {
    ("run",): (
        "gitml.cli._runs_cmds:run",
        (
            Param("command", TAIL),
            Param("name", TEXT, ("--name", "-n")),
            Param("message", TEXT, ("--message", "-m")),
            Param("tag", MULTI, ("--tag", "-t")),
            Param("set_param", MULTI, ("--set-param", "-S")),
            Param("param", MULTI, ("--param", "-P")),
            Param("metrics", MULTI, ("--metrics", "-M")),
            Param("params_file", MULTI, ("--params-file",)),
            Param("input_", MULTI, ("--input", "-i")),
            Param("output", MULTI, ("--output", "-o")),
            Param("jobs", INT, ("--jobs", "-j"), 1),
            Param("best", TEXT, ("--best",)),
            Param("system_metrics", FLAG, ("--system-metrics",), False),
        ),
    ),
    ("ls",): (
        "gitml.cli._runs_cmds:ls",
        (
            Param("where", TEXT, ("--where", "-w")),
            Param("sort", MULTI, ("--sort", "-s")),
            Param("limit", INT, ("--limit", "-n"), 20),
            Param("columns", TEXT, ("--columns", "-c")),
            Param("branch", TEXT, ("--branch", "-b")),
            Param("all_", FLAG, ("--all", "-a"), False),
            Param("commit", TEXT, ("--commit",)),
            _JSON,
        ),
    ),
    ("show",): (
        "gitml.cli._runs_cmds:show",
        (Param("run_ref", ARG, required=True), _JSON),
    ),
    ("compare",): (
        "gitml.cli._runs_cmds:compare",
        (
            Param("runs", ARGS, required=True),
            Param("all_params", FLAG, ("--all-params",), False),
            _JSON,
        ),
    ),
    ("model", "register"): (
        "gitml.cli._model_cmds:register",
        (
            Param("name", ARG, required=True),
            Param("run", TEXT, ("--run", "-r"), required=True),
            Param("artifact", PATH, ("--artifact", "-a")),
            Param("no_artifact", FLAG, ("--no-artifact",), False),
            Param("version", TEXT, ("--version", "-v")),
            Param("description", TEXT, ("--description", "-d")),
            Param("tag", MULTI, ("--tag", "-t")),
            Param("signature_from", PATH, ("--signature-from",)),
            _JSON,
        ),
    ),
    ("model", "ls"): ("gitml.cli._model_cmds:ls", (_JSON,)),
    ("model", "show"): (
        "gitml.cli._model_cmds:show",
        (Param("name", ARG, required=True), _JSON),
    ),
    ("model", "history"): (
        "gitml.cli._model_cmds:history",
        (
            Param("name", ARG, required=True),
            Param("stage", TEXT, ("--stage", "-s")),
            Param("as_of", TEXT, ("--as-of",)),
            _JSON,
        ),
    ),
    ("model", "get"): (
        "gitml.cli._model_cmds:get",
        (
            Param("ref", ARG, required=True),
            Param("to", PATH, ("--to",)),
            Param("fmt", TEXT, ("--format",), "gitml"),
            _JSON,
        ),
    ),
    ("promote",): (
        "gitml.cli._registry_cmds:promote",
        (
            Param("name", ARG, required=True),
            Param("version", ARG, required=True),
            Param("stage", ARG, required=True),
            *_STAGE_FLAGS,
        ),
    ),
    ("demote",): (
        "gitml.cli._registry_cmds:demote",
        (
            Param("name", ARG, required=True),
            Param("version", ARG, required=True),
            Param("stage", ARG, required=True),
            *_STAGE_FLAGS,
        ),
    ),
    ("archive",): (
        "gitml.cli._registry_cmds:archive",
        (
            Param("name", ARG, required=True),
            Param("version", ARG, required=True),
            *_STAGE_FLAGS,
        ),
    ),
    ("registry", "apply"): (
        "gitml.cli._registry_cmds:apply",
        (Param("push", TEXT, ("--push",)), _JSON),
    ),
    ("repro",): (
        "gitml.cli._pipelines_cmds:repro",
        (
            Param("targets", ARGS),
            Param("force", FLAG, ("--force", "-f"), False),
            Param("single_item", FLAG, ("--single-item", "-s"), False),
            Param("downstream", FLAG, ("--downstream",), False),
            Param("dry_run", FLAG, ("--dry-run",), False),
            Param("jobs", INT, ("--jobs", "-j"), 1),
            Param("set_param", MULTI, ("--set-param", "-S")),
            Param("name", TEXT, ("--name", "-n")),
            Param("message", TEXT, ("--message", "-m")),
            Param("best", TEXT, ("--best",)),
            _JSON,
        ),
    ),
    ("status",): ("gitml.cli._pipelines_cmds:status", (Param("targets", ARGS), _JSON)),
    ("registry", "verify"): (
        "gitml.cli._registry_cmds:verify",
        (Param("rev", TEXT, ("--rev",)), _JSON),
    ),
}


def _convert(param: Param, raw: str) -> Any:
    if param.kind == INT:
        return int(raw)  # ValueError: typer reports the bad number
    if param.kind == PATH:
        from pathlib import Path

        return Path(raw)
    return raw


def parse(params: Sequence[Param], argv: Sequence[str]) -> dict[str, Any] | None:
    """Keyword arguments for the command, or None when typer should handle ``argv``."""
    by_opt = {opt: p for p in params for opt in p.opts}
    tail = any(p.kind == TAIL for p in params)
    values: dict[str, Any] = {p.dest: p.default for p in params if p.kind not in (ARG, ARGS, TAIL)}
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
            if tail:  # the command's own options are not ours
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
            value = _convert(param, attached)
        except ValueError:
            return None
        if param.kind == MULTI:
            values[param.dest] = [*(values[param.dest] or ()), value]
        else:
            values[param.dest] = value
    for param in params:
        if param.kind == ARG:
            if not positionals:
                return None
            values[param.dest] = positionals.pop(0)
        elif param.kind in (ARGS, TAIL):
            if not positionals and param.required:
                return None
            values[param.dest], positionals = positionals, []
        elif param.required and values[param.dest] is None:
            return None
    return None if positionals else values


def _target(spec: str) -> Callable[..., int | None]:
    module_name, _, attr = spec.partition(":")
    import importlib

    func: Callable[..., int | None] = getattr(importlib.import_module(module_name), attr)
    return func


def dispatch(argv: Sequence[str]) -> int | None:
    """Run ``git ml ARGV`` here when it is one of the table's commands, else None."""
    if os.environ.get("GITML_FAST_CLI") == "0":
        return None
    for length in (2, 1):
        entry = COMMANDS.get(tuple(argv[:length]))
        if entry is not None:
            break
    else:
        return None
    target, params = entry
    kwargs = parse(params, argv[length:])
    if kwargs is None:
        return None
    from gitml.cli._funnel import guarded

    func = _target(target)
    return guarded(lambda: func(**kwargs) or 0)
