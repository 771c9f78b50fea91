"""Run lookups by name and by parent go through an index, never a scan of every record."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from gitml.rerun.select import find_reruns
from gitml.runs.store import get_run, list_runs
from gitml.storage.index import Index
from gitml.storage.repo import open_repo
from tests.runs.test_store import record


def _plans(
    monkeypatch: pytest.MonkeyPatch, repo: Path, action: Callable[[], object]
) -> dict[str, str]:
    """SQL statement -> SQLite's query plan, for the SELECTs ``action()`` runs."""
    seen: list[str] = []
    connect = Index.connect

    def traced(self: Index) -> sqlite3.Connection:
        conn = connect(self)
        conn.set_trace_callback(seen.append)
        return conn

    monkeypatch.setattr(Index, "connect", traced)
    action()
    monkeypatch.setattr(Index, "connect", connect)
    index = Index(next((repo / ".git" / "gitml").glob("index-v*.sqlite")))
    conn = index.connect()
    conn.set_trace_callback(None)
    out = {}
    for sql in seen:
        if sql.lstrip().upper().startswith("SELECT") and "FROM records" in sql:
            rows = conn.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()
            out[sql] = " | ".join(str(row[-1]) for row in rows)
    index.close()
    return out


def test_show_by_name_and_reruns_use_their_indexes(
    repo_with_commit: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = repo_with_commit
    for n in range(3):
        record(repo, name=f"r{n}")
    handle = open_repo(repo)
    wanted = str(get_run(handle, "r1")["id"])
    plans = _plans(monkeypatch, repo, lambda: get_run(open_repo(repo), "r1"))
    by_name = [p for sql, p in plans.items() if "AND (name = " in sql]
    assert by_name, plans
    assert all("USING INDEX runs_name" in p for p in by_name), plans
    plans = _plans(monkeypatch, repo, lambda: find_reruns(open_repo(repo), wanted))
    by_parent = [p for sql, p in plans.items() if "$.parent" in sql]
    assert by_parent, plans
    assert all("USING INDEX runs_parent" in p for p in by_parent), plans


def test_where_and_sort_on_params_and_metrics_read_the_field_table(
    repo_with_commit: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = repo_with_commit
    for n in range(4):
        record(repo, name=f"r{n}", params={"lr": [0.1, 0.01][n % 2], "n": n})
    where, sort = "metrics.acc > 0.5 and params.lr = 0.1", ["-params.n"]
    listed = list_runs(open_repo(repo), where=where, sort=sort, all_branches=True).runs
    assert [doc["name"] for doc in listed] == ["r2", "r0"]
    plans = _plans(
        monkeypatch,
        repo,
        lambda: list_runs(open_repo(repo), where=where, sort=sort, all_branches=True),
    )
    listing = [(sql, p) for sql, p in plans.items() if "ORDER BY" in sql and "fields" in sql]
    assert listing, plans
    for sql, plan in listing:
        assert "json_extract" not in sql  # no document is parsed to filter or sort
        assert "SEARCH fields USING PRIMARY KEY (key=? AND value>?)" in plan, plan
        assert "SEARCH fields USING PRIMARY KEY (key=? AND value=?)" in plan, plan
