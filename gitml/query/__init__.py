"""The run query language of ``git ml ls --where EXPR --sort KEY``.

A superset of MLflow's search filter: ``metrics.acc > 0.5 and params.lr = '0.01'`` works
unchanged, and ``or``, ``not``, parentheses, ``in``, ``like``/``ilike``, ``is [not] null``,
typed comparisons and history aggregates (``min(metrics.loss)``) are added. Text is parsed
by a recursive-descent parser, never evaluated as code, and runs either in Python
(``matches``) or as an SQLite condition over the JSON run document (``to_sql``), with the
same three-valued (SQL NULL) meaning: a missing value never satisfies a comparison.
"""

from __future__ import annotations

from gitml.query.ast import Expr, Field, FieldKind, Op, Operand, SortKey, fields_of
from gitml.query.errors import QueryError
from gitml.query.evaluate import evaluate, field_value, matches, sort_docs
from gitml.query.parser import parse, parse_field, parse_sort
from gitml.query.sql import FieldTable, sort_sql, to_sql

__all__ = [
    "Expr",
    "Field",
    "FieldKind",
    "FieldTable",
    "Op",
    "Operand",
    "QueryError",
    "SortKey",
    "evaluate",
    "field_value",
    "fields_of",
    "matches",
    "parse",
    "parse_field",
    "parse_sort",
    "sort_docs",
    "sort_sql",
    "to_sql",
]
