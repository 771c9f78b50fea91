"""How a literal meets a stored value: typed forms, dates, statuses and LIKE patterns."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from gitml.query.ast import FieldKind, Operand

_NUMERIC = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_BOOLEAN_WORDS = {"true": True, "false": False}
_STATUSES = {"finished": "completed", "killed": "interrupted"}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

Literal = str | int | float | bool


class LiteralError(ValueError):
    """A literal that cannot stand for the field it is compared with."""


def numeric(text: str) -> int | float | None:
    """The number a string spells exactly (``'0.01'``, ``'-3'``, ``'1e-5'``), else None."""
    if not _NUMERIC.fullmatch(text):
        return None
    if any(c in text for c in ".eE"):
        return float(text)
    value = int(text)
    return value if -(2**63) <= value < 2**63 else float(value)


def operand(value: Literal, source: str, kind: FieldKind) -> Operand:
    """The typed forms of a literal compared with a field of ``kind``."""
    if kind is FieldKind.TIME:
        if isinstance(value, bool):
            raise LiteralError("a time is compared with a date or milliseconds, not a boolean")
        if isinstance(value, int | float):
            return Operand(source, number=value)
        ms = iso_ms(value)
        if ms is None:
            raise LiteralError(
                f"expected a date such as '2026-01-02' or '2026-01-02T03:04:05+00:00', "
                f"or milliseconds since 1970, not {source}"
            )
        return Operand(source, number=ms)
    if isinstance(value, bool):
        return Operand(source, boolean=value)
    if isinstance(value, int | float):
        return Operand(source, number=value)
    if kind is FieldKind.STATUS:
        lowered = value.lower()
        return Operand(source, text=_STATUSES.get(lowered, lowered))
    return Operand(
        source, text=value, number=numeric(value), boolean=_BOOLEAN_WORDS.get(value.lower())
    )


def iso_ms(text: str) -> int | None:
    """Milliseconds since 1970 of an ISO-8601 date or date-time (UTC if it has no offset)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    micros = (moment - _EPOCH) // timedelta(microseconds=1)
    return (micros + 500) // 1000


def ascii_lower(text: str) -> str:
    """Lower-case A-Z only, as SQLite's lower() does."""
    return text.translate(_ASCII_LOWER)


def _like_parts(pattern: str) -> list[tuple[bool, str]]:
    """(is_wildcard, char) for each element of a LIKE pattern; ``\\`` escapes one char."""
    parts: list[tuple[bool, str]] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            parts.append((False, pattern[i + 1]))
            i += 2
            continue
        parts.append((ch in "%_", ch))
        i += 1
    return parts


def like_glob(pattern: str, insensitive: bool) -> str:
    """The SQLite GLOB pattern (case-sensitive) equivalent to a LIKE pattern."""
    if insensitive:
        pattern = ascii_lower(pattern)
    out: list[str] = []
    for wildcard, ch in _like_parts(pattern):
        if wildcard:
            out.append("*" if ch == "%" else "?")
        elif ch in "*?[":
            out.append(f"[{ch}]")
        else:
            out.append(ch)
    return "".join(out)


@lru_cache(maxsize=256)
def like_regex(pattern: str, insensitive: bool) -> re.Pattern[str]:
    """The Python regex (for fullmatch) equivalent to a LIKE pattern."""
    if insensitive:
        pattern = ascii_lower(pattern)
    out = [
        (".*" if ch == "%" else ".") if wildcard else re.escape(ch)
        for wildcard, ch in _like_parts(pattern)
    ]
    return re.compile("".join(out), re.DOTALL)
