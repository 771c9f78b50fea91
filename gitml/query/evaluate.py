"""Evaluate a parsed query against one run document in Python.

Comparisons are three-valued as in SQL: a missing or null value (or NaN, which JSON
cannot hold) makes a comparison unknown (None), ``not`` keeps it unknown, and a document
matches only when the whole expression is true. A stored value of another type than the
literal is unequal to it.
"""

from __future__ import annotations

import json
import math
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar, cast

from gitml.query.ast import (
    And,
    Compare,
    Expr,
    Field,
    FieldKind,
    In,
    IsNull,
    Like,
    Not,
    Op,
    Or,
    SortKey,
)
from gitml.query.literals import ascii_lower, iso_ms, like_regex

T = TypeVar("T")

_OPS: dict[Op, Callable[[Any, Any], bool]] = {
    Op.EQ: operator.eq,
    Op.NE: operator.ne,
    Op.LT: operator.lt,
    Op.LE: operator.le,
    Op.GT: operator.gt,
    Op.GE: operator.ge,
}


def matches(expr: Expr, doc: Mapping[str, Any]) -> bool:
    """True when ``doc`` satisfies ``expr``."""
    return evaluate(expr, doc) is True


def field_value(field: Field, doc: Mapping[str, Any]) -> Any:
    """The value ``field`` points at in ``doc``, or None when absent."""
    value: Any = doc
    for key in field.path:
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value


def _stored(field: Field, doc: Mapping[str, Any]) -> Any:
    """The value a query sees: NaN counts as missing, as it must be null in SQLite's JSON."""
    value = field_value(field, doc)
    return None if isinstance(value, float) and math.isnan(value) else value


def evaluate(expr: Expr, doc: Mapping[str, Any]) -> bool | None:
    """True, False or None (unknown) for ``expr`` on ``doc``."""
    match expr:
        case Compare(field, op, operand):
            return _compare(field, doc, op, operand.text, operand.number, operand.boolean)
        case Like(field, pattern, insensitive):
            value = _stored(field, doc)
            if value is None:
                return None
            if not isinstance(value, str):
                return False
            subject = ascii_lower(value) if insensitive else value
            return like_regex(pattern, insensitive).fullmatch(subject) is not None
        case In(field, operands):
            return _any(_compare(field, doc, Op.EQ, o.text, o.number, o.boolean) for o in operands)
        case IsNull(field):
            return _stored(field, doc) is None
        case Not(inner):
            result = evaluate(inner, doc)
            return None if result is None else not result
        case And(exprs):
            return _negate(_any(_negate(evaluate(e, doc)) for e in exprs))
        case Or(exprs):
            return _any(evaluate(e, doc) for e in exprs)
    raise TypeError(f"not a query expression: {expr!r}")


def _negate(value: bool | None) -> bool | None:
    return None if value is None else not value


def _any(results: Iterable[bool | None]) -> bool | None:
    """Three-valued OR: true if any is true, else unknown if any is unknown."""
    unknown = False
    for result in results:
        if result is True:
            return True
        if result is None:
            unknown = True
    return None if unknown else False


def _compare(
    field: Field,
    doc: Mapping[str, Any],
    op: Op,
    text: str | None,
    number: float | None,
    boolean: bool | None,
) -> bool | None:
    value = _stored(field, doc)
    if value is None:
        return None
    compare = _OPS[op]
    if field.kind is FieldKind.TIME:
        if not isinstance(value, str):
            return op is Op.NE
        ms = iso_ms(value)
        return None if ms is None else compare(ms, number)
    if isinstance(value, bool):
        return op is Op.NE if boolean is None else compare(int(value), int(boolean))
    if isinstance(value, int | float):
        return op is Op.NE if number is None else compare(value, number)
    if isinstance(value, str):
        return op is Op.NE if text is None else compare(value, text)
    return op is Op.NE


def sort_docs(
    items: Iterable[T],
    keys: Sequence[SortKey],
    doc: Callable[[T], Mapping[str, Any]] | None = None,
) -> list[T]:
    """``items`` ordered by ``keys`` as ``sort_sql`` orders rows; missing values go last.

    ``doc`` gives each item's run document (default: the item is one). Within a key
    numbers (booleans count as 0 and 1) come before strings, as in SQLite; ties keep
    the input order.
    """
    document = doc or (lambda item: cast(Mapping[str, Any], item))
    ordered = list(items)
    for key in reversed(keys):
        ranked = [(_sort_rank(key.field, document(item)), item) for item in ordered]
        present = [(rank, item) for rank, item in ranked if rank is not None]
        present.sort(key=operator.itemgetter(0), reverse=key.descending)
        missing = [item for rank, item in ranked if rank is None]
        ordered = [item for _, item in present] + missing
    return ordered


def _sort_rank(field: Field, doc: Mapping[str, Any]) -> tuple[int, Any] | None:
    value = _stored(field, doc)
    if value is None:
        return None
    if field.kind is FieldKind.TIME:
        ms = iso_ms(value) if isinstance(value, str) else None
        return None if ms is None else (0, ms)
    if isinstance(value, bool | int | float):
        return (0, int(value) if isinstance(value, bool) else value)
    if isinstance(value, str):
        return (1, value)
    return (1, json.dumps(value, separators=(",", ":")))
