"""What a load into a new index file builds before the first answer, and what it leaves to
the first query that needs it."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from gitml.storage import INDEX_FILE
from gitml.storage import index as index_module
from gitml.storage.index import NAME_INDEX, Index, IndexRow, RowColumns
from gitml.storage.peek import Where, index_rows

REF = "refs/gitml/runs"
RECORDS = "c" * 40


def _rows(count: int) -> list[IndexRow]:
    return [
        IndexRow(
            path=f"runs/{n % 4}/run{n:04d}.toml",
            blob=f"{n:040x}",
            seq=n,
            kind="gitml/run/1",
            doc=json.dumps({"id": f"run{n:04d}", "name": f"r{n}", "params": {"n": n}}),
            error=None,
        )
        for n in range(count)
    ]


def _indexes(index: Index) -> set[str]:
    found = index.run(
        lambda conn: conn.execute("SELECT name FROM sqlite_master WHERE type='index'")
    )
    return {str(name) for (name,) in found}


def _loaded(tmp_path: Path, name: str = "index.sqlite") -> Index:
    rows = _rows(30)
    index = Index(tmp_path / name)
    index.run(lambda conn: None)  # the empty file a first command leaves
    listing = [[(row.blob, row.path) for row in rows]]
    assert index.seed(REF, RECORDS, RowColumns.of(rows), listing=listing)
    return index


def test_a_load_builds_what_a_listing_reads_and_leaves_the_name_index(tmp_path: Path) -> None:
    index = _loaded(tmp_path)
    made = _indexes(index)
    assert {"records_path", "records_id", "records_error"} <= made
    assert "records_name" not in made
    index.fill_fields()  # the first --where or --sort
    assert "records_name" in _indexes(index)
    plan = index.run(
        lambda conn: conn.execute(
            "EXPLAIN QUERY PLAN SELECT DISTINCT name FROM records WHERE ref=? AND kind=? "
            "AND error IS NULL AND name >= ? AND name < ? ORDER BY name",
            (REF, "gitml/run/1", "r1", "r2"),
        ).fetchall()
    )
    assert any("records_name" in str(step) for step in plan), plan
    index.close()


def test_the_lookups_make_the_name_index_a_load_left(tmp_path: Path) -> None:
    from gitml.runs import store

    index = _loaded(tmp_path)
    index.ensure_indexes(store._INDEXES)  # what the first `show` makes
    assert {"records_name", "runs_name", "runs_parent"} <= _indexes(index)
    index.close()


def test_the_rows_are_synced_on_a_thread_then_the_file_once_more(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The load syncs its rows on a thread of its own while it builds the indexes, then
    the whole file before it is renamed into place."""
    synced: list[str] = []
    real = index_module._sync

    def sync(path: Path) -> None:
        synced.append(threading.current_thread().name)
        real(path)

    monkeypatch.setattr(index_module, "_sync", sync)
    _loaded(tmp_path).close()
    assert synced == ["gitml-background", threading.main_thread().name]


def test_completion_asks_for_a_refresh_until_the_name_index_is_made(tmp_path: Path) -> None:
    """Without ``records_name`` completion would read every run for a name (seconds at a
    million runs): it answers None, as for no index, and its caller's refresh (a lookup's
    ``open_index``) makes the index."""
    (tmp_path / "gitml").mkdir()
    index = _loaded(tmp_path, f"gitml/{INDEX_FILE}")
    where = Where(workdir=None, commondir=tmp_path)
    assert index_rows(where, REF, "gitml/run/1", "r1") is None
    index.ensure_indexes([NAME_INDEX])
    found = index_rows(where, REF, "gitml/run/1", "r2")
    assert found is not None
    assert found.tip == RECORDS
    assert found.names == [
        "r2",
        "r20",
        "r21",
        "r22",
        "r23",
        "r24",
        "r25",
        "r26",
        "r27",
        "r28",
        "r29",
    ]
    index.close()
