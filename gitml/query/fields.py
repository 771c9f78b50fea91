"""Which identifiers exist and where in the run document each one points."""

from __future__ import annotations

import difflib

from gitml.query.ast import Field, FieldKind
from gitml.query.errors import QueryError
from gitml.query.lexer import BARE_KEY, Name

# prefix spelling -> (canonical prefix, document key); MLflow's singular forms included.
_MAPS = {
    "metrics": ("metrics", "metrics"),
    "metric": ("metrics", "metrics"),
    "params": ("params", "params"),
    "param": ("params", "params"),
    "parameters": ("params", "params"),
    "tags": ("tags", "tags"),
    "tag": ("tags", "tags"),
    "data": ("data", "inputs"),
    "inputs": ("data", "inputs"),
    "outputs": ("outputs", "outputs"),
}
_ATTRIBUTE_PREFIXES = frozenset({"attributes", "attribute", "attr", "run"})

# attribute spelling -> (canonical name, path, kind); MLflow's names map onto gitml's.
_ATTRIBUTES: dict[str, tuple[str, tuple[str, ...], FieldKind]] = {}


def _attribute(name: str, path: tuple[str, ...], kind: FieldKind, *aliases: str) -> None:
    for spelling in (name, *aliases):
        _ATTRIBUTES[spelling] = (name, path, kind)


_V, _T = FieldKind.VALUE, FieldKind.TIME
_attribute("id", ("id",), _V, "run_id")
_attribute("name", ("name",), _V, "run_name")
_attribute("status", ("status",), FieldKind.STATUS)
_attribute("started", ("started",), _T, "start_time", "created")
_attribute("ended", ("ended",), _T, "end_time")
_attribute("duration_s", ("duration_s",), _V, "duration")
_attribute("exit_code", ("exit_code",), _V)
_attribute("message", ("message",), _V)
_attribute("host", ("host",), _V)
_attribute("sweep", ("sweep",), _V)
_attribute("parent", ("parent",), _V, "parent_run_id")
_attribute("user.name", ("user", "name"), _V, "user", "user_id")
_attribute("user.email", ("user", "email"), _V)

_GROUPS = {
    "code": ("commit", "checkpoint", "branch", "dirty"),
    "git": ("commit", "checkpoint", "branch", "dirty"),
    "user": ("name", "email"),
}
AGGREGATES = ("min", "max", "first", "last", "steps")

FIELDS_HINT = (
    "fields are metrics.NAME, params.NAME, tags.NAME, data.NAME, outputs.NAME, "
    "code.commit|checkpoint|branch|dirty, min|max|first|last|steps(metrics.NAME) "
    "and status, name, id, started, ended, duration_s, exit_code, message, host, sweep, "
    "parent, user.name, user.email"
)


def spell_key(prefix: str, key: str) -> str:
    """``prefix.key`` as a query would spell it, backticked where the key needs it."""
    if BARE_KEY.fullmatch(key):
        return f"{prefix}.{key}"
    return f"{prefix}.`{key.replace(chr(92), chr(92) * 2).replace('`', '``')}`"


def resolve(name: Name, text: str, column: int, option: str) -> Field:
    """The field an identifier names, or a QueryError that says what exists."""
    head = name.head.lower()
    key = name.key
    if head in _MAPS and key is not None:
        prefix, root = _MAPS[head]
        return Field(spell_key(prefix, key), (root, key))
    if head in _GROUPS and key is not None and key.lower() in _GROUPS[head]:
        sub = key.lower()
        if head == "user":
            return _attr(f"user.{sub}")
        return Field(f"code.{sub}", ("code", sub))
    if head in _ATTRIBUTE_PREFIXES and key is not None and key.lower() in _ATTRIBUTES:
        return _attr(key.lower())
    if key is None and head in _ATTRIBUTES:
        return _attr(head)
    raise QueryError(option, f"unknown field {text!r}", column, _hint(name))


def aggregate(function: str, field: Field, text: str, column: int, option: str) -> Field:
    """``min(metrics.loss)`` and friends: the metric's history summary."""
    if field.path[0] != "metrics" or len(field.path) != 2:
        raise QueryError(
            option, f"{function}() takes a metric, not {text!r}", column, "e.g. min(metrics.loss)"
        )
    return Field(f"{function}({field.name})", ("metric_stats", field.path[1], function))


def _attr(spelling: str) -> Field:
    name, path, kind = _ATTRIBUTES[spelling]
    return Field(name, path, kind)


def _hint(name: Name) -> str:
    head, key = name.head.lower(), name.key
    if head in _MAPS:
        return f"add a name: {_MAPS[head][0]}.NAME"
    if head in ("datasets", "dataset"):
        return "use data.NAME for the digest of an input data set"
    if head in _GROUPS:
        return f"{head}. takes one of {', '.join(_GROUPS[head])}"
    if key is None and head in AGGREGATES:
        return f"use {head}(metrics.NAME)"
    if head in _ATTRIBUTE_PREFIXES and key is not None:
        close = difflib.get_close_matches(key.lower(), list(_ATTRIBUTES), n=1)
        guess = f"{name.head}.{close[0]}" if close else None
    elif key is None:
        close = difflib.get_close_matches(head, list(_ATTRIBUTES), n=1)
        guess = close[0] if close else None
    else:
        close = difflib.get_close_matches(head, [*_MAPS, *_GROUPS], n=1)
        guess = spell_key(_MAPS.get(close[0], (close[0],))[0], key) if close else None
    return f"did you mean '{guess}'? {FIELDS_HINT}" if guess else FIELDS_HINT
