"""Write ``_spec.py``, the typer-free view of the command line, from the typer app.

    python -m gitml.cli._generate           # rewrite gitml/cli/_spec.py
    python -m gitml.cli._generate --check   # exit 1 when it is out of date

The typer declarations stay the one hand-written definition of every command; this
derives from typer's own command tree each command's parameters, its body and its help
text (rendered by typer for a terminal of 80 columns or more, where it no longer varies
with the width). It refuses declarations the fast parser cannot read exactly as typer
does, and bodies whose keywords differ from their declaration.
"""

import contextlib
import inspect
import io
import os
import re
import sys
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer

from gitml.cli._app import app
from gitml.cli._app import main as app_main
from gitml.cli._declare import BODY_ATTR
from gitml.cli._parse import (
    ARG,
    ARGS,
    FLAG,
    FLOAT,
    HELP_COLUMNS,
    INT,
    MULTI,
    PATH,
    TAIL,
    TEXT,
    Command,
    Param,
)
from gitml.cli._values import FILES, Values

SPEC = Path(__file__).with_name("_spec.py")
HEADER = '''"""The command line as the typer declarations define it (generated; do not edit).

Written by ``python -m gitml.cli._generate`` from the typer app; the fast path (``_parse``)
reads commands from it without importing typer. ``tests/cli/test_spec.py`` fails when it
is out of date.
"""

from gitml.cli._parse import Command, Param

'''
TAKE = """

def _command(body: str, params: tuple[int, ...], interspersed: bool = True) -> Command:
    return Command(body=body, params=tuple(PARAMS[i] for i in params), interspersed=interspersed)

"""
_TYPES = {"IntParamType": INT, "FloatParamType": FLOAT, "StringParamType": TEXT}


def _kind(param: Any, interspersed: bool) -> str:
    type_name = type(param.type).__name__
    if type_name in ("Path", "TyperPath"):
        checked = param.type.exists or param.type.resolve_path or param.type.writable
        if checked or not (param.type.file_okay and param.type.dir_okay):
            raise ValueError(f"{param.name}: a checked path needs typer's parser")
        kind = PATH
    elif type_name == "BoolParamType" and getattr(param, "is_flag", False):
        kind = FLAG
    elif type_name in _TYPES:
        kind = _TYPES[type_name]
    else:
        raise ValueError(f"{param.name}: the fast parser does not read {param.type!r}")
    if param.param_type_name == "argument":
        if param.nargs == -1:
            return ARGS if interspersed else TAIL
        return ARG if kind == TEXT else kind
    if param.secondary_opts or param.callback is not None or param.envvar or param.prompt:
        raise ValueError(f"{param.name}: the fast parser reads plain options only")
    if param.multiple:
        if kind != TEXT:
            raise ValueError(f"{param.name}: repeatable options must be text")
        return MULTI
    return kind


def _declared_values(declaration: Any) -> dict[str, str]:
    """``{parameter: Values.spec()}`` from the declaration's ``Annotated`` metadata."""
    found = {}
    for name, hint in typing.get_type_hints(declaration, include_extras=True).items():
        marks = [m for m in getattr(hint, "__metadata__", ()) if isinstance(m, Values)]
        if len(marks) > 1:
            raise ValueError(f"{name}: more than one completion kind")
        if marks:
            found[name] = marks[0].spec()
    return found


def first_sentence(text: str | None) -> str:
    """The first sentence of a help text, on one line (``e.g. x`` does not end one)."""
    flat = " ".join((text or "").split())
    return re.split(r"(?<=[.!?]) (?=[A-Z`])", flat, maxsplit=1)[0]


def _param(param: Any, interspersed: bool, values: str) -> Param:
    kind = _kind(param, interspersed)
    default = param.default
    if kind == MULTI or kind in (ARGS, TAIL):
        default = None
    elif isinstance(default, Path):
        default = str(default)
    return Param(
        dest=param.name,
        kind=kind,
        opts=tuple(param.opts) if param.param_type_name == "option" else (),
        default=default,
        required=bool(param.required),
        positional=param.param_type_name == "argument",
        values=values or (FILES.spec() if kind == PATH else ""),
        help=first_sentence(param.help),
    )


def _check_body(path: tuple[str, ...], target: str, params: tuple[Param, ...]) -> None:
    module, _, name = target.partition(":")
    __import__(module)
    body = getattr(sys.modules[module], name)
    signature = inspect.signature(body)
    declared = {p.dest: p.default for p in params}
    got = {}
    for name_, p in signature.parameters.items():
        if p.kind is not inspect.Parameter.KEYWORD_ONLY:
            raise ValueError(f"{' '.join(path)}: body parameter {name_} is not keyword-only")
        default = None if p.default is inspect.Parameter.empty else p.default
        got[name_] = str(default) if isinstance(default, Path) else default
    if got != declared:
        raise ValueError(
            f"{' '.join(path)}: body {target} takes {got}, the declaration gives {declared}"
        )


def iter_commands(
    group: Any, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], Any, bool]]:
    """(path, click command, is_group) for the whole tree, the root first."""
    yield path, group, True
    for name, sub in group.commands.items():
        if hasattr(sub, "commands"):
            yield from iter_commands(sub, (*path, name))
        else:
            yield (*path, name), sub, False


def _command(path: tuple[str, ...], click_command: Any) -> Command:
    interspersed = bool(click_command.context_settings.get("allow_interspersed_args", True))
    declaration = getattr(click_command.callback, "__wrapped__", None)
    values = _declared_values(declaration) if declaration is not None else {}
    params = tuple(
        _param(p, interspersed, values.get(p.name, ""))
        for p in click_command.params
        if p.name != "help"
    )
    positionals = [p for p in params if p.positional]
    if any(p.kind in (ARGS, TAIL) for p in positionals[:-1]):
        raise ValueError(f"{' '.join(path)}: only the last argument may take many values")
    target = getattr(click_command.callback, BODY_ATTR, None)
    if target is None:
        raise ValueError(f"{' '.join(path)}: not declared through gitml.cli._declare.command")
    _check_body(path, target, params)
    return Command(body=target, params=params, interspersed=interspersed)


def render_help(path: tuple[str, ...]) -> str:
    """What typer prints for ``git ml PATH -h`` on a wide terminal."""
    out = io.StringIO()
    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(HELP_COLUMNS)
    try:
        with contextlib.redirect_stdout(out):
            code = app_main([*path, "-h"])
    finally:
        if saved is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = saved
    if code != 0:
        raise ValueError(f"git ml {' '.join(path)} -h exited {code}")
    return out.getvalue()


def _literal(param: Param) -> str:
    """``Param(...)`` naming only the fields that differ from their defaults."""
    defaults = Param._field_defaults
    fields = [
        f"{name}={value!r}"
        for name, value in zip(Param._fields, param, strict=True)
        if name not in defaults or value != defaults[name]
    ]
    return f"Param({', '.join(fields)})"


def build() -> str:
    """The text of ``_spec.py``: each distinct parameter once, commands naming theirs."""
    root = typer.main.get_command(app)
    params: dict[Param, int] = {}
    commands: list[str] = []
    groups: list[str] = []
    texts: list[str] = []
    for path, click_command, is_group in iter_commands(root):
        summary = None
        if path and not click_command.hidden:
            summary = first_sentence(click_command.help).rstrip(".")
        texts.append(f"    {path!r}: ({summary!r}, {render_help(path)!r}),\n")
        if is_group:
            groups.append(f"    {path!r},\n")
            continue
        spec = _command(path, click_command)
        taken = tuple(params.setdefault(p, len(params)) for p in spec.params)
        tail = "" if spec.interspersed else ", interspersed=False"
        commands.append(f"    {path!r}: _command({spec.body!r}, {taken!r}{tail}),\n")
    return (
        HEADER
        + "# Every distinct parameter once; a command names its own by their places here.\n"
        + "PARAMS: tuple[Param, ...] = (\n"
        + "".join(f"    {_literal(p)},\n" for p in params)
        + ")\n"
        + TAKE
        + "\nCOMMANDS: dict[tuple[str, ...], Command] = {\n"
        + "".join(commands)
        + "}\n\nGROUPS: frozenset[tuple[str, ...]] = frozenset(\n    {\n"
        + "".join("    " + g for g in groups)
        + "    }\n)\n\n# Each command and group: its first sentence (None: the root or hidden), its help.\n"
        + "TEXTS: dict[tuple[str, ...], tuple[str | None, str]] = {\n"
        + "".join(texts)
        + "}\nHELP = {path: text for path, (_summary, text) in TEXTS.items()}\n"
        + "# Every visible command and group, in declaration order, with its first sentence.\n"
        + "SUMMARIES = {path: summary for path, (summary, _text) in TEXTS.items() if summary is not None}\n"
    )


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    text = build()
    if "--check" in args:
        if SPEC.read_text("utf-8") != text:
            sys.stderr.write(f"{SPEC} is out of date; run `python -m gitml.cli._generate`\n")
            return 1
        return 0
    SPEC.write_text(text, "utf-8")
    sys.stderr.write(f"wrote {SPEC}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
