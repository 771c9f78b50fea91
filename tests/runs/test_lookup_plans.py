"""Run lookups by name and by parent go through an index, never a scan of every record."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from gitml.rerun.select import find_reruns
from gitml.runs.store import count_runs, get_run, list_runs
from gitml.storage.index import Index
from gitml.storage.repo import open_repo
from tests.runs.test_store import record
from tests.support.core import git


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
        if sql.lstrip().upper().startswith("SELECT") and (
            "FROM records" in sql or "JOIN records" in sql
        ):
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
    by_parent = [p for sql, p in plans.items() if "(parent = " in sql]
    assert by_parent, plans
    assert all("USING INDEX runs_parent" in p for p in by_parent), plans


def _index_names(repo: Path) -> set[str]:
    index = Index(next((repo / ".git" / "gitml").glob("index-v*.sqlite")))
    try:
        found = index.run(lambda c: c.execute("SELECT name FROM sqlite_master WHERE type='index'"))
        return {str(row[0]) for row in found}
    finally:
        index.close()


def test_a_listing_leaves_the_lookup_indexes_to_the_first_lookup(
    repo_with_commit: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first ``ls`` (an index built from nothing) answers without building the name and
    parent indexes; the first lookup builds them and reads through them."""
    repo = repo_with_commit
    for n in range(3):
        record(repo, name=f"r{n}")
    shutil.rmtree(repo / ".git" / "gitml")
    listed = list_runs(open_repo(repo), all_branches=True).runs
    assert [doc["name"] for doc in listed] == ["r2", "r1", "r0"]
    assert not {"runs_name", "runs_parent"} & _index_names(repo)
    plans = _plans(monkeypatch, repo, lambda: get_run(open_repo(repo), "r1"))
    assert {"runs_name", "runs_parent"} <= _index_names(repo)
    by_name = [p for sql, p in plans.items() if "AND (name = " in sql]
    assert by_name, plans
    assert all("USING INDEX runs_name" in p for p in by_name), plans


def test_where_and_sort_on_params_and_metrics_read_the_field_table(
    repo_with_commit: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = repo_with_commit
    for n in range(4):
        record(repo, name=f"r{n}", params={"lr": [0.1, 0.01][n % 2], "n": n})
    where = "metrics.acc > 0.5 and params.lr = 0.1"
    _reads_the_field_table(monkeypatch, repo, where=where, sort="-params.n", names=["r2", "r0"])


def test_where_and_sort_on_attributes_read_the_field_table(
    repo_with_commit: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = repo_with_commit
    docs = [record(repo, name=f"r{n}") for n in range(3)]
    where = f"status = 'completed' and started >= '{docs[1]['started']}'"
    _reads_the_field_table(monkeypatch, repo, where=where, sort="-started", names=["r2", "r1"])


def _reads_the_field_table(
    monkeypatch: pytest.MonkeyPatch, repo: Path, *, where: str, sort: str, names: list[str]
) -> None:
    """``ls --where WHERE --sort SORT`` lists ``names``, read from ``fields`` both ways:
    walking the sort key's order and selecting the matching rows first."""

    def listing() -> list[str]:
        runs = list_runs(open_repo(repo), where=where, sort=[sort], all_branches=True).runs
        return [str(doc["name"]) for doc in runs]

    assert listing() == names
    # A page in the order of one field joins that field's rows (which of the two tables
    # leads is the planner's choice by their sizes: a few runs here).
    walked = [(sql, p) for sql, p in _plans(monkeypatch, repo, listing).items() if " s.key" in sql]
    assert walked, walked
    assert all("json_extract" not in sql for sql, _ in walked)  # no document is parsed
    # The query selecting the matching rows first reads ranges of the same order.
    _no_walks(monkeypatch)
    assert listing() == names
    plans = _plans(monkeypatch, repo, listing)
    selecting = [(sql, p) for sql, p in plans.items() if "fields" in sql and " s.key" not in sql]
    assert selecting, plans
    for sql, plan in selecting:
        assert "json_extract" not in sql
        assert "julianday" not in sql
        assert "SEARCH fields USING PRIMARY KEY (key=? AND value>?)" in plan, plan
        assert "SEARCH fields USING PRIMARY KEY (key=? AND value=?)" in plan, plan


def _record_mixed_params(repo: Path) -> None:
    """Runs r0..r6 whose ``lr`` and ``n`` params are of mixed types or missing."""
    values: list[dict[str, object]] = [
        {"lr": 0.1, "n": 3},
        {"lr": "0.1", "n": 1},
        {"lr": 0.01},
        {"n": 3},
        {"lr": True, "n": 2},
        {"lr": 0.1, "n": 0},
        {},
    ]
    for n, params in enumerate(values):
        record(repo, name=f"r{n}", params=params)


def test_a_page_sorted_by_one_field_is_the_page_the_row_selecting_query_gives(
    repo_with_commit: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = repo_with_commit
    _record_mixed_params(repo)
    handle = open_repo(repo)
    cases = [
        (where, sort, limit, offset)
        for where in (None, "params.lr = 0.1", "not params.n = 3", "params.n is null")
        for sort in ("params.n", "-params.lr", "-metrics.acc", "tags.none", "-started")
        for limit, offset in ((2, 0), (3, 2), (20, 0), (2, 5))
    ]

    def pages() -> list[list[str]]:
        return [
            [
                str(doc["name"])
                for doc in list_runs(
                    handle, where=w, sort=[s], limit=lim, offset=off, all_branches=True
                ).runs
            ]
            for w, s, lim, off in cases
        ]

    walked = pages()
    _no_walks(monkeypatch)
    assert walked == pages()
    assert walked[cases.index(("params.lr = 0.1", "params.n", 2, 0))] == ["r5", "r0"]


def test_a_newest_first_page_walks_the_runs_and_is_the_page_the_row_selecting_query_gives(
    repo_with_commit: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``ls --where`` without ``--sort`` walks the runs newest first, testing each, and stops
    at the page (no sort of every match); its pages are the row-selecting query's."""
    repo = repo_with_commit
    _record_mixed_params(repo)
    git(repo, "checkout", "-q", "-b", "other")
    record(repo, name="o0", params={"lr": 0.1})
    git(repo, "checkout", "-q", "-")
    handle = open_repo(repo)
    cases = [
        (where, limit, offset, every)
        for where in (
            "params.lr = 0.1",
            "not params.n = 3",
            "params.n is null",
            "params.lr > 0 or name = 'r3'",
            "code.branch = 'other' or metrics.acc > 0.5",
        )
        for limit, offset in ((2, 0), (3, 2), (20, 0), (2, 5))
        for every in (True, False)
    ]

    def pages() -> list[list[str]]:
        return [
            [
                str(doc["name"])
                for doc in list_runs(
                    handle, where=w, limit=lim, offset=off, all_branches=every
                ).runs
            ]
            for w, lim, off, every in cases
        ]

    walks = [
        (sql, plan)
        for sql, plan in _plans(monkeypatch, repo, pages).items()
        if "ORDER BY id DESC LIMIT" in sql
    ]
    assert walks
    for sql, plan in walks:
        assert "EXISTS (" in sql, sql  # each run is probed
        assert " IN (SELECT" not in sql, sql
        # In the order of ids: of the one branch's runs alone when the listing keeps one.
        by_branch = "INDEXED BY records_branch" in sql
        order = "records_branch (ref=? AND branch=?)" if by_branch else "records_id (ref=?)"
        assert f"records USING INDEX {order}" in plan, plan
        assert "TEMP B-TREE" not in plan, plan  # and no match waits for a sort
    assert {"INDEXED BY records_branch" in sql for sql, _plan in walks} == {True, False}
    walked = pages()
    _no_walks(monkeypatch)
    assert walked == pages()
    assert walked[cases.index(("params.lr = 0.1", 2, 0, True))] == ["o0", "r5"]
    assert walked[cases.index(("params.lr = 0.1", 3, 2, False))] == []
    assert walked[cases.index(("not params.n = 3", 20, 0, False))] == ["r5", "r4", "r1"]


def test_where_on_a_runs_name_branch_and_parent_reads_their_columns(
    repo_with_commit: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``name``, ``code.branch`` (``git.branch``) and ``parent`` are read from the index's
    columns, never from the run's JSON; the first ``--where`` on a name or parent makes the
    lookup indexes, and ``name = ...`` reads one."""
    repo = repo_with_commit
    for n in range(3):
        record(repo, name=f"r{n}")
    git(repo, "checkout", "-q", "-b", "feature")
    record(repo, name="f0")
    git(repo, "checkout", "-q", "-")
    handle = open_repo(repo)
    shutil.rmtree(repo / ".git" / "gitml")
    list_runs(handle, where="code.branch = 'main'")
    assert not {"runs_name", "runs_parent"} & _index_names(repo)
    list_runs(handle, where="not name = 'x'")  # the first query by name makes its index
    assert {"runs_name", "runs_parent"} <= _index_names(repo)
    cases = {
        "code.branch = 'feature'": ["f0"],
        "name = 'r1'": ["r1"],
        "git.branch != 'feature' and parent is null": ["r2", "r1", "r0"],
        "code.branch like 'feat%'": ["f0"],
        "name in ('r0', 'f0') or code.branch = 5": ["f0", "r0"],
        "name > 'r0' and not code.branch = 'x'": ["r2", "r1"],
        "parent is not null or code.branch is null": [],
    }

    def listings() -> list[list[str]]:
        return [
            [str(doc["name"]) for doc in list_runs(handle, where=w, all_branches=True).runs]
            for w in cases
        ]

    for walks in (True, False):
        if not walks:
            _no_walks(monkeypatch)
        assert listings() == list(cases.values())
        plans = _plans(monkeypatch, repo, listings)
        statements = [sql for sql in plans if "ORDER BY id DESC" in sql]
        # Each walk; without walks, each attempt and the row-selecting query after it.
        assert len(statements) == len(cases) * (1 if walks else 2), plans
        assert all("json_extract" not in sql for sql in statements), statements
    plans = _plans(monkeypatch, repo, lambda: count_runs(handle, where="name = 'r1'"))
    (counted,) = plans.values()
    assert "name=?" in counted, plans  # a name index is searched for the value
    assert count_runs(handle, where="name = 'r1'") == 1


def _no_walks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every walk in a field's order give up at its first step."""
    import gitml.storage.index as index_module

    monkeypatch.setattr(index_module, "PROGRESS_EVERY", 1)
    monkeypatch.setattr(index_module, "WALK_STEPS", 0)
