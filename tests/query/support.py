"""Run a query both ways (Python and SQLite over JSON text) and insist they agree."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from gitml.query import Expr, SortKey, evaluate, parse, sort_sql, to_sql


def load(conn: sqlite3.Connection, docs: Sequence[Mapping[str, Any]]) -> None:
    """Store ``docs`` as the index does: json.dumps text in a ``doc`` column."""
    conn.execute("CREATE TABLE IF NOT EXISTS records(n INTEGER PRIMARY KEY, doc TEXT)")
    conn.execute("DELETE FROM records")
    conn.executemany(
        "INSERT INTO records VALUES(?, ?)", [(i, json.dumps(doc)) for i, doc in enumerate(docs)]
    )


def sql_truth(conn: sqlite3.Connection, expr: Expr) -> list[bool | None]:
    """The three-valued result of ``to_sql(expr)`` on every stored row, in order."""
    where, params = to_sql(expr)
    rows = conn.execute(f"SELECT {where} FROM records ORDER BY n", params).fetchall()
    return [None if value is None else bool(value) for (value,) in rows]


def agree(
    conn: sqlite3.Connection, docs: Sequence[Mapping[str, Any]], expr: Expr
) -> list[bool | None]:
    """Assert evaluate() and to_sql() give the same truth value on each doc; return it."""
    python = [evaluate(expr, doc) for doc in docs]
    assert sql_truth(conn, expr) == python, expr
    return python


def select(docs: Sequence[Mapping[str, Any]], where: str) -> list[str]:
    """Ids of ``docs`` matching ``where``, checked to be the same in Python and SQLite."""
    conn = sqlite3.connect(":memory:")
    try:
        load(conn, docs)
        expr = parse(where)
        truth = agree(conn, docs, expr)
        where_sql, params = to_sql(expr)
        selected = conn.execute(
            f"SELECT n FROM records WHERE {where_sql} ORDER BY n", params
        ).fetchall()
        assert [n for (n,) in selected] == [i for i, t in enumerate(truth) if t is True]
        return [str(docs[i]["id"]) for i, t in enumerate(truth) if t is True]
    finally:
        conn.close()


def sql_sorted(conn: sqlite3.Connection, keys: Sequence[SortKey]) -> list[int]:
    """Row numbers in the order ``sort_sql(keys)`` gives, ties broken by row number."""
    order = sort_sql(keys)
    return [n for (n,) in conn.execute(f"SELECT n FROM records ORDER BY {order}, n")]
