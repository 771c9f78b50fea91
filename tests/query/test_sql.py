"""The SQL side: parameters only, odd keys, sorting with missing values last."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator

import pytest

from gitml.query import parse, parse_sort, sort_docs, sort_sql, to_sql
from tests.query.corpus import RUNS
from tests.query.support import agree, load, select, sql_sorted


@pytest.fixture
def conn() -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(":memory:")
    yield connection
    connection.close()


def test_user_text_never_reaches_the_sql_string() -> None:
    evil = "x'); DROP TABLE records; --"
    where = f"name = '{evil.replace(chr(39), chr(39) * 2)}' or params.`{evil}` = 1"
    sql, params = to_sql(parse(where))
    assert "DROP" not in sql
    assert evil in params
    assert '$."params"."' + evil + '"' in params
    assert select([*RUNS, {"id": "evil", "name": evil}], where) == ["evil"]


def test_to_sql_uses_the_given_column(conn: sqlite3.Connection) -> None:
    load(conn, RUNS)
    sql, params = to_sql(parse("metrics.acc > 0.9"), column="records.doc")
    assert "records.doc" in sql
    rows = conn.execute(f"SELECT n FROM records WHERE {sql}", params).fetchall()
    assert rows == [(0,), (2,)]


@pytest.mark.parametrize("column", ["doc; DROP TABLE records", "", "1doc", "a.b.c", "doc)"])
def test_column_must_be_a_plain_name(column: str) -> None:
    with pytest.raises(ValueError, match="not a column name"):
        to_sql(parse("status = 'x'"), column=column)
    with pytest.raises(ValueError, match="not a column name"):
        sort_sql([parse_sort("status")], column=column)


def test_the_condition_combines_with_other_parameters(conn: sqlite3.Connection) -> None:
    load(conn, RUNS)
    sql, params = to_sql(parse("params.opt in ('adam', 'sgd') and metrics.acc > 0"))
    rows = conn.execute(
        f"SELECT n FROM records WHERE n >= ? AND ({sql}) LIMIT ?", [1, *params, 10]
    ).fetchall()
    assert rows == [(1,)]


def test_sort_puts_missing_values_last_in_both_directions(conn: sqlite3.Connection) -> None:
    load(conn, RUNS)
    up, down = parse_sort("metrics.loss"), parse_sort("-metrics.loss")
    assert sql_sorted(conn, [up]) == [0, 1, 2, 3]
    assert sql_sorted(conn, [down]) == [1, 0, 2, 3]
    assert [d["id"] for d in sort_docs(RUNS, [down])] == ["r2", "r1", "r3", "r4"]


def test_sort_orders_times_chronologically(conn: sqlite3.Connection) -> None:
    docs = [
        {"id": "a", "started": "2026-01-02T03:04:05.123+00:00"},
        {"id": "b", "started": "2026-01-02T05:00:00.000+05:00"},
        {"id": "c", "started": "2026-01-01T23:00:00.000-08:00"},
        {"id": "d"},
    ]
    load(conn, docs)
    key = parse_sort("started")
    assert sql_sorted(conn, [key]) == [1, 0, 2, 3]
    assert [d["id"] for d in sort_docs(docs, [key])] == ["b", "a", "c", "d"]
    assert sql_sorted(conn, [parse_sort("attributes.start_time desc")]) == [2, 0, 1, 3]


def test_sort_by_several_keys_and_odd_names(conn: sqlite3.Connection) -> None:
    docs = [
        {"id": "a", "params": {"it's": 2, "é": "x"}},
        {"id": "b", "params": {"it's": 1, "é": "y"}},
        {"id": "c", "params": {"it's": 2, "é": "z"}},
        {"id": "d", "params": {"é": "w"}},
    ]
    load(conn, docs)
    keys = [parse_sort("-params.`it's`"), parse_sort("params.é desc")]
    assert sql_sorted(conn, keys) == [2, 0, 1, 3]
    assert [d["id"] for d in sort_docs(docs, keys)] == ["c", "a", "b", "d"]


def test_sort_mixes_types_as_sqlite_does(conn: sqlite3.Connection) -> None:
    docs = [
        {"id": "a", "params": {"x": "b"}},
        {"id": "b", "params": {"x": 2.5}},
        {"id": "c", "params": {"x": True}},
        {"id": "d", "params": {"x": None}},
        {"id": "e", "params": {"x": "a"}},
        {"id": "f", "params": {"x": -1}},
    ]
    load(conn, docs)
    key = parse_sort("params.x")
    assert sql_sorted(conn, [key]) == [5, 2, 1, 4, 0, 3]
    assert [d["id"] for d in sort_docs(docs, [key])] == ["f", "c", "b", "e", "a", "d"]


def test_sort_sql_of_no_keys_is_empty() -> None:
    assert sort_sql([]) == ""


def test_odd_keys_are_looked_up_at_their_own_level_only() -> None:
    docs = [
        {"id": "nested", "params": {"x": {"é": 1}}, "metric_stats": {"m": {"é": {"min": 1}}}},
        {"id": "flat", "params": {"é": 1}, "metric_stats": {"é": {"min": 1}}},
    ]
    assert select(docs, "params.é is not null") == ["flat"]
    assert select(docs, "min(metrics.é) = 1") == ["flat"]


STORED = [
    None,
    True,
    False,
    0,
    1,
    -2,
    0.5,
    1.0,
    0.01,
    "0.01",
    "1",
    "True",
    "true",
    "abc",
    "",
    [1],
    {"a": 1},
]
LITERALS = [
    "true",
    "false",
    "1",
    "0",
    "0.5",
    "0.01",
    "'0.01'",
    "'1'",
    "'True'",
    "'abc'",
    "''",
    "null",
]
COMPARATORS = ["=", "!=", "<", "<=", ">", ">="]


@pytest.mark.parametrize(
    ("field", "place"),
    [
        ("params.x", lambda v: {"params": {"x": v}}),
        ("params.é", lambda v: {"params": {"é": v}}),
        ("min(metrics.é)", lambda v: {"metric_stats": {"é": {"min": v}}}),
        ("status", lambda v: {"status": v}),
    ],
)
def test_every_stored_type_meets_every_literal_alike(
    conn: sqlite3.Connection, field: str, place: Callable[[object], dict[str, object]]
) -> None:
    docs = [place(value) for value in STORED] + [{}]
    load(conn, docs)
    for literal in LITERALS:
        for op in COMPARATORS:
            if literal == "null" and op not in ("=", "!="):
                continue
            agree(conn, docs, parse(f"{field} {op} {literal}"))
        if literal != "null":
            agree(conn, docs, parse(f"{field} in ({literal}, 'abc')"))
            agree(conn, docs, parse(f"{field} not in ({literal})"))
    for pattern in ["'%'", "'a%'", "'1'", "'_'", "'TRUE'"]:
        agree(conn, docs, parse(f"{field} like {pattern}"))
        agree(conn, docs, parse(f"{field} not ilike {pattern}"))
