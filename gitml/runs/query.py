"""The bridge from ``--where``/``--sort``/``--columns`` text to the query language."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gitml.query import (
    FieldKind,
    FieldTable,
    field_value,
    fields_of,
    parse,
    parse_field,
    parse_sort,
    sort_sql,
    to_sql,
)
from gitml.query.errors import QueryError


def _field_table(*, probe: bool = False) -> FieldTable:
    """The query index's narrow table of params, metrics, tags and scalar attributes."""
    from gitml.storage import index

    return FieldTable(
        frozenset(index.FIELD_ROOTS),
        attributes=frozenset(index.FIELD_ATTRIBUTES),
        times=frozenset(index.FIELD_TIMES),
        time_row=index.TIME_ROW,
        table=index.FIELDS_TABLE,
        keys=index.FIELD_KEYS_TABLE,
        row=index.RECORD_ROW,
        probe=probe,
        columns=index.DOC_FIELDS,
    )


def compile_where(text: str, *, probe: bool = False) -> tuple[str, list[Any]]:
    """An SQLite condition over a row of the query index's ``records`` (raises QueryError
    with the column); ``probe`` for a query walking the rows in a field's order."""
    sql, params = to_sql(parse(text), column="doc", fields=_field_table(probe=probe))
    return sql, list(params)


def where_fields(text: str) -> set[str]:
    """The fields (``params.lr``, ``name``) a ``--where`` tests."""
    return {".".join(field.path) for field in fields_of(parse(text))}


def field_sort(keys: Sequence[str]) -> tuple[str, bool, bool] | None:
    """(``ROOT.KEY`` or the attribute, descending, whether it is a time) when ``keys`` are
    one key the index's field table holds."""
    parsed = sort_keys(keys)
    if len(parsed) != 1:
        return None
    key = parse_sort(parsed[0])
    if not _field_table().holds(key.field):
        return None
    return ".".join(key.field.path), key.descending, key.field.kind is FieldKind.TIME


def sort_keys(keys: Sequence[str]) -> list[str]:
    """``["-metrics.acc,name"]`` -> ``["-metrics.acc", "name"]``."""
    return [part.strip() for key in keys for part in key.split(",") if part.strip()]


def compile_sort(keys: Sequence[str]) -> str:
    """An ORDER BY list for sort keys such as ``-metrics.acc`` (descending)."""
    parsed = sort_keys(keys)
    if not parsed:
        raise QueryError("--sort", "expected a field such as -metrics.acc, found no key", 1)
    return str(sort_sql([parse_sort(key) for key in parsed], column="doc", fields=_field_table()))


def column_getter(spelling: str) -> Any:
    """A function reading the value a ``--columns`` entry names from a run document."""
    field = parse_field(spelling)

    def get(doc: Mapping[str, Any]) -> Any:
        return field_value(field, doc)

    return get


def unsorted_keys(keys: Sequence[str], docs: Sequence[Mapping[str, Any]]) -> list[str]:
    """The ``--sort`` keys no run in ``docs`` has a value for (they sorted nothing)."""
    missing = []
    for key in sort_keys(keys):
        field = parse_sort(key).field
        if docs and all(field_value(field, doc) is None for doc in docs):
            missing.append(key)
    return missing
