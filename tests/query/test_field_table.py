"""Property: read through the query index's field table, queries mean what they mean on
the JSON documents.

The documents go into the index's real schema with its real insert (which fills
``fields`` with every params, metrics and tags entry and the common attributes, times
as the milliseconds they spell, and copies a run's name, branch and parent into columns
of its own); the two-valued condition
``to_sql(..., fields=...)`` must select exactly the documents ``evaluate`` calls true, and
``sort_sql(..., fields=...)`` must order them as ``sort_docs`` does.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from gitml.query import FieldTable, evaluate, parse, parse_sort, sort_docs, sort_sql, to_sql
from gitml.storage import index
from gitml.storage.index import IndexRow, insert_rows
from tests.query.corpus import RUNS
from tests.query.test_property import DOCS, SETTINGS, SORT_KEYS, queries

FIELDS = FieldTable(
    frozenset(index.FIELD_ROOTS),
    attributes=frozenset(index.FIELD_ATTRIBUTES),
    times=frozenset(index.FIELD_TIMES),
    time_row=index.TIME_ROW,
    table=index.FIELDS_TABLE,
    keys=index.FIELD_KEYS_TABLE,
    row=index.RECORD_ROW,
    columns=index.DOC_FIELDS,
)
REF = "refs/gitml/runs"


@contextmanager
def indexed(docs: Sequence[Mapping[str, Any]]) -> Iterator[sqlite3.Connection]:
    """An in-memory query index holding ``docs`` (path ``NNNN``, in order)."""
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        conn.executescript(index.SCHEMA)
        rows = [
            IndexRow(f"{n:04d}", "", n, "gitml/run/1", json.dumps(doc), None)
            for n, doc in enumerate(docs)
        ]
        insert_rows(conn, REF, rows)
        yield conn
    finally:
        conn.close()


def selected(conn: sqlite3.Connection, where: str) -> list[int]:
    """The rows ``where`` selects, the same whether comparisons select rows or probe them."""
    found = []
    for fields in (FIELDS, replace(FIELDS, probe=True)):
        sql, params = to_sql(parse(where), fields=fields)
        rows = conn.execute(f"SELECT path FROM records WHERE ({sql}) ORDER BY path", params)
        found.append([int(path) for (path,) in rows])
    assert found[0] == found[1], where
    return found[0]


def truly(docs: Sequence[Mapping[str, Any]], where: str) -> list[int]:
    expr = parse(where)
    return [n for n, doc in enumerate(docs) if evaluate(expr, doc) is True]


def sorted_rows(conn: sqlite3.Connection, keys: Sequence[str]) -> list[int]:
    order = sort_sql([parse_sort(key) for key in keys], fields=FIELDS)
    return [
        int(path) for (path,) in conn.execute(f"SELECT path FROM records ORDER BY {order}, path")
    ]


def sorted_docs(docs: Sequence[Mapping[str, Any]], keys: Sequence[str]) -> list[int]:
    python = sort_docs(list(enumerate(docs)), [parse_sort(key) for key in keys], doc=lambda p: p[1])
    return [n for n, _ in python]


@SETTINGS
@given(docs=st.lists(DOCS, min_size=1, max_size=8), data=st.data())
def test_the_field_table_selects_what_evaluate_calls_true(
    docs: list[dict[str, Any]], data: st.DataObject
) -> None:
    where = data.draw(queries(docs), label="where")
    with indexed(docs) as conn:
        assert selected(conn, where) == truly(docs, where), where


@SETTINGS
@given(
    docs=st.lists(DOCS, min_size=1, max_size=8), keys=st.lists(SORT_KEYS, min_size=1, max_size=3)
)
def test_the_field_table_sorts_as_sort_docs(docs: list[dict[str, Any]], keys: list[str]) -> None:
    with indexed(docs) as conn:
        assert sorted_rows(conn, keys) == sorted_docs(docs, keys)


def test_negation_and_missing_values_through_the_field_table() -> None:
    cases = [
        "params.lr = 0.01",
        "not params.lr = 0.01",
        "params.opt in ('adam', 'sgd') and metrics.acc > 0.5",
        "not (params.opt = 'adam' and metrics.loss < 0.5)",
        "params.flag = true or tags.team = 'nlp'",
        "params.layers is not null",
        "metrics.loss is null and not params.lr = '0.01'",
        "params.`model.depth` >= 3 and name like '%o%'",
    ]
    with indexed(RUNS) as conn:
        assert [selected(conn, where) for where in cases] == [truly(RUNS, w) for w in cases]


def test_names_branches_and_parents_through_their_columns() -> None:
    docs: list[dict[str, Any]] = [
        {"name": "a", "code": {"branch": "main"}},
        {"name": "b", "code": {"branch": "5"}, "parent": "p"},
        {"name": "5", "code": {}},
        {"code": "main"},
        {"params": {"lr": 1}},
    ]
    cases = [
        "code.branch = 'main'",
        "git.branch != 'main'",
        "code.branch = 5",
        "code.branch != 5",
        "not code.branch < 5",
        "code.branch in ('5', 'x') or name = 5",
        "name like 'a%' or code.branch ilike 'MA%'",
        "code.branch is null and parent is null",
        "not (name > 'a' and parent is not null)",
    ]
    for where in cases:
        sql, _params = to_sql(parse(where), fields=FIELDS)
        assert "json_" not in sql, sql
    with indexed(docs) as conn:
        assert [selected(conn, where) for where in cases] == [truly(docs, w) for w in cases]
    assert sorted_rows_of(docs, ["name"]) == sorted_docs(docs, ["name"])
    assert sorted_rows_of(docs, ["-git.branch", "parent"]) == sorted_docs(
        docs, ["-git.branch", "parent"]
    )


def sorted_rows_of(docs: Sequence[Mapping[str, Any]], keys: Sequence[str]) -> list[int]:
    with indexed(docs) as conn:
        order = sort_sql([parse_sort(key) for key in keys], fields=FIELDS)
        assert "json_" not in order, order
        return sorted_rows(conn, keys)


def test_attributes_and_times_through_the_field_table() -> None:
    docs: list[dict[str, Any]] = [
        {"status": "failed", "started": "2026-01-02T03:04:05.000+00:00", "host": "a"},
        {"status": "completed", "started": "not a time", "ended": 1_700_000_000_000},
        {"status": 3, "started": True, "ended": "2026-01-02", "user": {"name": "Ada"}},
        {"started": ["2026-01-02"], "ended": None, "duration_s": 2.5, "exit_code": 0},
        {"name": "r4", "user": "Ada", "exit_code": False},
    ]
    cases = [
        "status = 'failed'",
        "not status = 'FAILED'",
        "status != 'completed'",
        "started > '2026-01-01'",
        "not started > '2026-01-01'",
        "started != '2026-01-02T03:04:05Z'",
        "not started != '2026-01-02T03:04:05Z'",
        "started in ('2026-01-02T03:04:05Z', 5)",
        "not ended in ('2026-01-02', 1700000000000)",
        "ended <= 1700000000000 or started is null",
        "started like 'not%' or not started like '2026%'",
        "started is not null and not ended is null",
        "user.name = 'Ada' or not host = 'a'",
        "duration_s > 1 or exit_code = false",
    ]
    with indexed(docs) as conn:
        assert [selected(conn, where) for where in cases] == [truly(docs, w) for w in cases]
        for key in ("started", "-started", "ended", "-ended", "status", "-exit_code", "user"):
            assert sorted_rows(conn, [key]) == sorted_docs(docs, [key]), key


def test_replacing_and_deleting_rows_keeps_the_fields_in_step() -> None:
    with indexed(RUNS) as conn:
        insert_rows(
            conn, REF, [IndexRow("0000", "", 9, "gitml/run/1", '{"params":{"lr":5}}', None)]
        )
        assert selected(conn, "params.lr = 5") == [0]
        assert selected(conn, "params.lr = 0.01") == []
        index._delete_paths(conn, [(REF, "0000")])
        assert selected(conn, "params.lr = 5") == []
        index._delete_ref(conn, REF)
        assert conn.execute("SELECT count(*) FROM fields").fetchone() == (0,)
