"""Translate a parsed query into an SQLite condition over a JSON text column.

The condition has exactly the three-valued meaning of ``evaluate``: it uses json_type()
to tell booleans, numbers and strings apart (json_extract() turns true into 1) and binds
every literal and JSON path as a ``?`` parameter. Object keys made of printable ASCII
other than ``"`` and ``\\`` are addressed with a quoted JSON path (``$."params"."a.b"``);
other keys (non-ASCII ones are stored \\u-escaped) are looked up with json_each().

Given a ``FieldTable`` (a narrow table of the documents' params, metrics and tags and some
attributes, ordered by key and value), fields it holds are read from it instead, and the condition becomes a
two-valued one that is true exactly where the three-valued one is: ``not`` is pushed down
to the comparisons (``not (a and b)`` is ``a is false or b is false``), so each comparison
on such a field is a ``row IN (SELECT rec ... WHERE key = ... AND value > ?)`` SQLite can
answer from the table's (key, value) order instead of parsing every document. Time
attributes are held as the milliseconds they spell, so their comparisons read a range too.
Members the table names as text columns of the rows (``code.branch``) are read from the
column.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

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
    Operand,
    Or,
    SortKey,
)
from gitml.query.literals import like_glob
from gitml.units import time_ms_sql

_COLUMN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?")
_NUMBER = ("'integer'", "'real'")
_TEXT = ("'text'",)
_BOOLEAN = ("'true'", "'false'")

Bind = Callable[[object], str]


@dataclass(frozen=True)
class FieldTable:
    """Where a narrow copy of some document fields lives.

    ``table`` has a row (key, value, rec, t) for each entry of the objects named in
    ``roots`` of each document and for each top-level member named in ``attributes``:
    ``key`` is the id ``keys`` gives the text ``ROOT.ENTRY`` (or the attribute's name),
    ``value`` what json_extract() gives for it, ``rec`` the document's ``row`` and ``t``
    0 for a number or text, 1 for a boolean, 2 for an object, 3 for an array. Null
    entries have no row (json_extract() gives NULL for them as for missing ones). An
    attribute in ``times`` whose text julianday() reads is held as that time instead:
    ``value`` the milliseconds since 1970 ``sort_sql`` orders by, ``t`` ``time_row``.
    """

    roots: frozenset[str]
    attributes: frozenset[str] = frozenset()
    times: frozenset[str] = frozenset()
    time_row: int = 4
    table: str = "fields"
    keys: str = "field_keys"
    row: str = "rid"
    probe: bool = False
    """Test each row with a correlated EXISTS instead of selecting the rows that meet a
    comparison: for a query that walks the rows in another order (a sort) and stops."""
    columns: tuple[tuple[str, str], ...] = ()
    """(field, column): document members every row holds as text or not at all, copied
    into a column of the row's own table (``code.branch``, ``records.branch``); a query
    reads the column, not the document."""

    def text_column(self, field: Field) -> str | None:
        """The column holding ``field``, if one does."""
        if field.kind is FieldKind.TIME:
            return None
        dotted = ".".join(field.path)
        return next((column for name, column in self.columns if name == dotted), None)

    def holds(self, field: Field) -> bool:
        if field.kind is FieldKind.TIME:
            return len(field.path) == 1 and field.path[0] in self.times
        if len(field.path) == 1:
            return field.path[0] in self.attributes and field.path[0] not in self.times
        return len(field.path) == 2 and field.path[0] in self.roots

    def reads(self, expr: Expr, field: Field) -> bool:
        """Whether ``expr`` on ``field`` can be answered from the table (a held time is
        a number there, so a text pattern on it cannot)."""
        return self.holds(field) and not (isinstance(expr, Like) and field.kind is FieldKind.TIME)


def to_sql(
    expr: Expr, column: str = "doc", fields: FieldTable | None = None
) -> tuple[str, list[object]]:
    """An SQLite condition equivalent to ``matches(expr, doc)`` and its parameters.

    With ``fields`` it is two-valued (true where ``matches`` is true, else false) and
    reads the fields that table holds from it.
    """
    params: list[object] = []

    def bind(value: object) -> str:
        params.append(value)
        return "?"

    if fields is None:
        return _Translator(_checked(column), bind).expr(expr), params
    translator = _Translator(_checked(column), bind, _checked_table(fields))
    return _TwoValued(translator, fields).truth(expr, want=True)


def sort_sql(keys: Sequence[SortKey], column: str = "doc", fields: FieldTable | None = None) -> str:
    """An ORDER BY list (without the keywords) for ``keys``; missing values sort last.

    It takes no parameters: JSON paths are inlined as quoted SQL string literals.
    """
    translator = _Translator(_checked(column), _sql_literal, fields and _checked_table(fields))
    parts = []
    for key in keys:
        value = translator.sort_value(key.field)
        parts.append(f"{value} {'DESC' if key.descending else 'ASC'} NULLS LAST")
    return ", ".join(parts)


def _checked(column: str) -> str:
    if not _COLUMN.fullmatch(column):
        raise ValueError(f"not a column name: {column!r}")
    return column


def _checked_table(fields: FieldTable) -> FieldTable:
    for name in (fields.table, fields.keys, fields.row, *(c for _f, c in fields.columns)):
        _checked(name)
    return fields


def _single_form(field: Field, operand: Operand) -> tuple[object, tuple[str, ...]] | None:
    """The one literal form an operand has and the JSON types it meets, if just one."""
    if field.kind is FieldKind.TIME:
        return None
    forms: list[tuple[object, tuple[str, ...]]] = []
    if operand.number is not None:
        forms.append((operand.number, _NUMBER))
    if operand.text is not None:
        forms.append((operand.text, _TEXT))
    if operand.boolean is not None:
        forms.append((int(operand.boolean), _BOOLEAN))
    return forms[0] if len(forms) == 1 else None


def _sql_literal(value: object) -> str:
    """A JSON path or key as a quoted SQL string (sort keys take no parameters)."""
    if not isinstance(value, str) or "\x00" in value:
        raise ValueError(f"cannot inline {value!r} in SQL")
    return "'" + value.replace("'", "''") + "'"


def _plain(key: str) -> bool:
    """Whether a quoted JSON path label can address ``key`` in SQLite."""
    return all(" " <= ch <= "~" and ch not in '"\\' for ch in key)


def _json_path(keys: Sequence[str]) -> str:
    return "$" + "".join(f'."{key}"' for key in keys)


class _Translator:
    def __init__(self, column: str, bind: Bind, fields: FieldTable | None = None) -> None:
        self.column = column
        self.bind = bind
        self.fields = fields
        self.leaf = False
        """Whether value() and type() are an entry row's (``_TwoValued`` sets it)."""

    def expr(self, expr: Expr) -> str:
        match expr:
            case Compare(field, op, operand):
                return self.compare(field, op, operand)
            case Like(field, pattern, insensitive):
                value = self.value(field)
                subject = f"lower({value})" if insensitive else value
                glob = self.bind(like_glob(pattern, insensitive))
                return self._confirmed(field, f"{subject} GLOB {glob}", _TEXT, negative=False)
            case In(field, operands):
                return self.member(field, operands)
            case IsNull(field):
                return f"({self.value(field)} IS NULL)"
            case Not(inner):
                return f"(NOT {self.expr(inner)})"
            case And(exprs):
                return "(" + " AND ".join(self.expr(e) for e in exprs) + ")"
            case Or(exprs):
                return "(" + " OR ".join(self.expr(e) for e in exprs) + ")"
        raise TypeError(f"not a query expression: {expr!r}")

    # Parameters bind in the order they appear, so every method builds its text left
    # to right, calling bind() (through value(), type() or directly) in that order.

    def compare(self, field: Field, op: Op, operand: Operand) -> str:
        if self.leaf and field.kind is FieldKind.TIME:
            return self.held_time(op, operand)
        form = _single_form(field, operand)
        if form is not None:
            literal, types = form
            comparison = f"{self.value(field)} {op} {self.bind(literal)}"
            return self._confirmed(field, comparison, types, negative=op is Op.NE)
        parts = [f"(CASE coalesce({self.type(field)}, 'null') WHEN 'null' THEN NULL"]
        if field.kind is FieldKind.TIME:
            time = time_ms_sql(self.value(field))
            parts.append(f"WHEN 'text' THEN {time} {op} {self.bind(operand.number)}")
        else:
            if operand.boolean is not None:
                flag = int(operand.boolean)
                parts.append(f"WHEN 'true' THEN 1 {op} {self.bind(flag)}")
                parts.append(f"WHEN 'false' THEN 0 {op} {self.bind(flag)}")
            if operand.number is not None:
                for json_type in _NUMBER:
                    value = self.value(field)
                    parts.append(f"WHEN {json_type} THEN {value} {op} {self.bind(operand.number)}")
            if operand.text is not None:
                value = self.value(field)
                parts.append(f"WHEN 'text' THEN {value} {op} {self.bind(operand.text)}")
        parts.append(f"ELSE {1 if op is Op.NE else 0} END)")
        return " ".join(parts)

    def member(self, field: Field, operands: Sequence[Operand]) -> str:
        forms = [_single_form(field, o) for o in operands]
        types = {form[1] for form in forms if form is not None}
        if None in forms or len(types) != 1:
            return "(" + " OR ".join(self.compare(field, Op.EQ, o) for o in operands) + ")"
        value = self.value(field)
        items = ", ".join(self.bind(form[0]) for form in forms if form is not None)
        return self._confirmed(field, f"{value} IN ({items})", types.pop(), negative=False)

    def _confirmed(
        self, field: Field, comparison: str, types: tuple[str, ...], negative: bool
    ) -> str:
        """``comparison`` on json_extract()'s value, made exact by a JSON type check.

        The SQL comparison is NULL exactly when the value is missing or null; when it is
        true (or false, for ``!=``) the value may still be of a type the literal does not
        meet (json_extract() gives 1 for true and JSON text for arrays), which only then
        costs a json_type() call. Against another type ``!=`` holds and the rest fail.
        """
        if types == _TEXT and self.text_column(field) is not None:
            return f"({comparison})"  # a text column: exact as it is, and SQLite can index it
        listed = ", ".join(types)
        if negative:
            check = f"{self.type(field)} NOT IN ({listed})"
            if self.leaf:  # a present value: the comparison is never NULL
                return f"(({comparison}) OR {check})"
            return f"(CASE ({comparison}) WHEN 1 THEN 1 WHEN 0 THEN {check} END)"
        check = f"{self.type(field)} IN ({listed})"
        if self.leaf:  # a plain AND, so SQLite can read the comparison from the order
            return f"({comparison} AND {check})"
        return f"(CASE ({comparison}) WHEN 1 THEN {check} WHEN 0 THEN 0 END)"

    def held_time(self, op: Op, operand: Operand) -> str:
        """A time comparison on an entry row: unknown for a text that is no time, as
        ``time_ms_sql()`` of it is NULL; another type is unequal to every time."""
        assert self.fields is not None
        table, row = self.fields.table, self.fields.time_row
        return (
            f"(CASE WHEN {table}.t = {row} THEN {table}.value {op} {self.bind(operand.number)} "
            f"WHEN {table}.t = 0 AND typeof({table}.value) = 'text' THEN NULL "
            f"ELSE {1 if op is Op.NE else 0} END)"
        )

    def sort_value(self, field: Field) -> str:
        if self.fields is not None and self.fields.holds(field):
            f = self.fields
            times = f" AND {f.table}.t = {f.time_row}" if field.kind is FieldKind.TIME else ""
            return (
                f"(SELECT {f.table}.value FROM {f.table} WHERE {f.table}.rec = {f.row} "
                f"AND {f.table}.key = {self.key_id(field)}{times})"
            )
        if field.kind is FieldKind.TIME:
            kind = self.type(field)
            return f"(CASE {kind} WHEN 'text' THEN {time_ms_sql(self.value(field))} END)"
        return self.value(field)

    def key_id(self, field: Field) -> str:
        """The id of a field's key in the field table (a constant subquery)."""
        assert self.fields is not None
        keys = self.fields.keys
        return (
            f"(SELECT {keys}.id FROM {keys} WHERE {keys}.path = {self.bind('.'.join(field.path))})"
        )

    def text_column(self, field: Field) -> str | None:
        """The column holding ``field`` (never for an entry row's value)."""
        if self.leaf or self.fields is None:
            return None
        return self.fields.text_column(field)

    def type(self, field: Field) -> str:
        column = self.text_column(field)
        if column is not None:
            return f"iif({column} IS NULL, NULL, 'text')"
        if self.leaf and self.fields is not None:
            table = self.fields.table
            return (
                f"(CASE {table}.t WHEN 0 THEN typeof({table}.value) WHEN 1 THEN "
                f"iif({table}.value, 'true', 'false') WHEN 2 THEN 'object' ELSE 'array' END)"
            )
        return self._lookup(field, "json_type", "type")

    def value(self, field: Field) -> str:
        column = self.text_column(field)
        if column is not None:
            return column
        if self.leaf and self.fields is not None:
            return f"{self.fields.table}.value"
        return self._lookup(field, "json_extract", "value")

    def _lookup(self, field: Field, function: str, each_column: str) -> str:
        path = field.path
        odd = next((i for i, key in enumerate(path) if not _plain(key)), None)
        if odd is None:
            return f"{function}({self.column}, {self.bind(_json_path(path))})"
        rest = path[odd + 1 :]
        if not all(_plain(key) for key in rest):
            raise ValueError(f"cannot address {field.name!r} in SQL")
        selected = each_column
        if rest:
            selected = (
                f"CASE type WHEN 'object' THEN {function}(value, {self.bind(_json_path(rest))}) END"
            )
        source = self.bind(_json_path(path[:odd]))
        key = self.bind(path[odd])
        return f"(SELECT {selected} FROM json_each({self.column}, {source}) WHERE key = {key})"


class _TwoValued:
    """Conditions true exactly where an expression has one truth value (true or false).

    A comparison on a field the table holds is a lookup of the rows whose entry meets it:
    a comparison is NULL (neither true nor false) when the value is missing, and true or
    false (never NULL) for a present value, so "false" is "present and not true". Such
    lookups joined by AND become one ``row IN (... INTERSECT ...)``, so only the rows
    meeting all of them are read. Each part carries its own parameters.
    """

    def __init__(self, translator: _Translator, fields: FieldTable) -> None:
        self.translator = translator
        self.fields = fields

    def truth(self, expr: Expr, *, want: bool) -> tuple[str, list[object]]:
        sql, params, is_rows = self._part(expr, want=want)
        return (self._rows_condition(sql) if is_rows else sql), params

    def _rows_condition(self, select: str) -> str:
        """The condition "this row is one of ``select``'s" (a SELECT of the table's rec)."""
        f = self.fields
        if f.probe:
            return f"EXISTS ({select} AND {f.table}.rec = {f.row})"
        return f"{f.row} IN ({select})"

    def _part(self, expr: Expr, *, want: bool) -> tuple[str, list[object], bool]:
        """(SQL, parameters, whether the SQL is a SELECT of the rows meeting it)."""
        match expr:
            case Not(inner):
                return self._part(inner, want=not want)
            case And(exprs) | Or(exprs):
                both = isinstance(expr, And) == want
                parts = [self._part(e, want=want) for e in exprs]
                return (*self._joined(parts, both=both), False)
            case Compare(field) | Like(field) | In(field) | IsNull(field) if self.fields.reads(
                expr, field
            ):
                return self._bound(lambda: self._held(expr, field, want=want))
        sql, params, _ = self._bound(lambda: (self.translator.expr(expr), False))
        return (sql if want else f"(NOT {sql})"), params, False

    def _bound(self, build: Callable[[], tuple[str, bool]]) -> tuple[str, list[object], bool]:
        params: list[object] = []

        def bind(value: object) -> str:
            params.append(value)
            return "?"

        saved, self.translator.bind = self.translator.bind, bind
        try:
            sql, is_rows = build()
        finally:
            self.translator.bind = saved
        return sql, params, is_rows

    def _joined(
        self, parts: list[tuple[str, list[object], bool]], *, both: bool
    ) -> tuple[str, list[object]]:
        sqls: list[str] = []
        params: list[object] = []
        grouped = both and not self.fields.probe
        rows = [part for part in parts if part[2]] if grouped else []
        if rows:
            sqls.append(f"{self.fields.row} IN ({' INTERSECT '.join(p[0] for p in rows)})")
            params += [value for part in rows for value in part[1]]
        for sql, values, is_rows in parts:
            if is_rows and grouped:
                continue
            sqls.append(self._rows_condition(sql) if is_rows else sql)
            params += values
        return "(" + (" AND " if both else " OR ").join(sqls) + ")", params

    def _held(self, expr: Expr, field: Field, *, want: bool) -> tuple[str, bool]:
        t = self.translator
        f = self.fields
        present = f"SELECT {f.table}.rec FROM {f.table} WHERE {f.table}.key = {t.key_id(field)}"
        if isinstance(expr, IsNull):
            return (f"NOT {self._rows_condition(present)}", False) if want else (present, True)
        match expr:
            case Compare(op=op, operand=operand) if field.kind is FieldKind.TIME and want:
                if op is not Op.NE:  # true for a time only: a range of the held times
                    condition = f"{f.table}.value {op} {t.bind(operand.number)}"
                    return f"{present} AND {condition} AND {f.table}.t = {f.time_row}", True
        t.leaf = True
        try:
            condition = t.expr(expr)
        finally:
            t.leaf = False
        return f"{present} AND {condition if want else f'NOT {condition}'}", True
