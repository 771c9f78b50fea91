"""Canonical TOML: sorted keys, no ``None``, one trailing newline.

Two writers that serialise the same record always produce the same bytes, which is what
lets collections merge as a union and detect real conflicts.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from functools import cache
from typing import Any

import tomli_w

from gitml.errors import InvalidRecord
from gitml.records.limits import MAX_DEPTH, depth_problem

Doc = dict[str, Any]
"""A parsed document not (yet) known to be a record: before validation, or a settings file.
A validated record is its shape in ``gitml.records.shapes``."""
TOMLDecodeError = ValueError
"""What ``parse`` raises for text that is not TOML: the parser's ``TOMLDecodeError``, a
``ValueError`` (the parser is imported on first use, so this names its base)."""
_TOO_DEEP = f"nests tables or arrays more than {MAX_DEPTH} deep"


@cache
def _parser() -> Callable[[str], Doc]:
    """The TOML parser's ``loads``, imported on first use: importing it costs about as much
    as building a run record, and one ``git ml run`` parses no TOML (its settings come
    from ``config.load_settings``' cache)."""
    try:  # the mypyc-compiled build of the stdlib's own parser, about 3x faster on records
        import tomli as toml_parser
    except ImportError:  # pragma: no cover - tomli is a dependency; tomllib is the same parser
        import tomllib as toml_parser  # type: ignore[no-redef]
    return toml_parser.loads


def canonical(value: Any) -> Any:
    """Return ``value`` with mappings sorted by key and ``None`` members dropped."""
    if isinstance(value, Mapping):
        return {str(k): canonical(v) for k, v in sorted(value.items()) if v is not None}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value if v is not None]
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidRecord(f"{value!r} cannot be stored: only finite numbers are allowed")
    return value


def dumps(doc: Mapping[str, Any]) -> str:
    """Serialise ``doc`` canonically (refusing documents nested past the limit)."""
    problem = depth_problem(doc)
    if problem is not None:
        raise InvalidRecord(f"a record {problem}; flatten it (params and metrics are flat keys)")
    text = tomli_w.dumps(canonical(doc))
    return text if text.endswith("\n") else text + "\n"


def dump_bytes(doc: Mapping[str, Any]) -> bytes:
    return dumps(doc).encode("utf-8")


def parse(text: str) -> Doc:
    """Plain TOML (params files, command-line values), through the parser records use.

    ``TOMLDecodeError`` when it is not TOML; nothing else is checked (``loads`` is for records).
    """
    return _parser()(text)


def loads(text: str | bytes, *, where: str) -> Doc:
    """Parse TOML; errors name ``where`` (a file or record path) and the line.

    Documents nested deeper than ``limits.MAX_DEPTH`` are refused, so no later
    recursive step (validation, JSON, rendering) can overflow the stack.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidRecord(
                f"{where}: not UTF-8 text ({exc.reason} at byte {exc.start})"
            ) from None
    try:
        doc = _parser()(text)
    except TOMLDecodeError as exc:
        raise InvalidRecord(f"{where}: invalid TOML: {exc}") from None
    except RecursionError:
        raise InvalidRecord(f"{where}: {_TOO_DEEP}") from None
    problem = depth_problem(doc)
    if problem is not None:
        raise InvalidRecord(f"{where}: {problem}")
    return doc


def to_jsonable(value: Any) -> Any:
    """Convert TOML values into JSON-compatible ones (dates as ISO text, NaN as null)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else math.copysign(sys.float_info.max, value)
    if isinstance(value, Mapping):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_jsonable(v) for v in value]
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value
