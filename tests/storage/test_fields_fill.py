"""Filling the ``fields`` table a chunk at a time (``Index.fill_fields``, the background
step of ``storage.fields_warm``): whatever interleaves with it (another fill, a writer
adding and replacing records, a fill that dies midway), the table ends exactly as an
eager insert of the same records builds it."""

from __future__ import annotations

import multiprocessing
import sqlite3
import time
from pathlib import Path

import pytest

from gitml.storage import fields_warm
from gitml.storage import index as index_module
from gitml.storage.index import QUERY_INDEXES, Index, IndexRow, RowColumns, insert_rows
from tests.storage.test_snapshot_segments import RECORDS, REF, _doc, _dump
from tests.support.core import git


def _row(n: int, *, lr: float | None = None) -> IndexRow:
    doc = _doc(n) if lr is None else _doc(n).replace('"lr":', f'"lr":{lr},"was":')
    return IndexRow(f"runs/{n % 4}/run{n}.toml", f"{n:040x}", n, "gitml/run/1", doc, None)


def _eager(tmp_path: Path, batches: list[list[IndexRow]]) -> dict[str, object]:
    """What inserting the rows of ``batches`` one at a time, fields and all, leaves (with
    the indexes a completed fill makes)."""
    eager = Index(tmp_path / "eager.sqlite")
    eager.ensure_indexes(QUERY_INDEXES)
    try:
        for rows in batches:
            eager.run(lambda conn, rows=rows: [insert_rows(conn, REF, [row]) for row in rows])
        assert not eager.fields_pending()
        return eager.run(_dump)
    finally:
        eager.close()


def _pending(index: Index) -> bool:
    return index.fields_pending()


def test_a_fill_in_chunks_with_a_writer_between_them_builds_the_eager_table(
    tmp_path: Path,
) -> None:
    first = [_row(n) for n in range(30)]
    index = Index(tmp_path / "index.sqlite")
    assert index.seed(REF, RECORDS, RowColumns.of(first))
    assert _pending(index)
    step = index_module._fill_chunk
    assert index.run(lambda conn: step(conn, chunk=7)) == 7
    # A writer adds records and replaces one the fill has passed and one it has not.
    later = [_row(n) for n in range(30, 45)] + [_row(2, lr=9.0), _row(25, lr=8.0)]
    index.run(lambda conn: insert_rows(conn, REF, later))
    assert index.run(lambda conn: step(conn, chunk=7)) == 7
    index.run(lambda conn: index_module._delete_paths(conn, [(REF, _row(40).path)]))
    index.run(lambda conn: insert_rows(conn, REF, [_row(50)]))  # may reuse a freed id
    assert _pending(index)
    assert index.fill_fields(chunk=5) > 0
    assert not _pending(index)
    assert index.fill_fields() == 0  # nothing left: idempotent
    final = [r for r in first if r.path not in {_row(2).path, _row(25).path}]
    final += [r for r in later if r.path != _row(40).path] + [_row(50)]
    assert index.run(_dump) == _eager(tmp_path, [final])
    index.close()


def test_a_refresh_of_many_records_leaves_their_fields_to_the_fill(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(index_module, "DEFER_FIELDS", 10)
    few, many = [_row(n) for n in range(5)], [_row(n) for n in range(5, 25)]
    index = Index(tmp_path / "index.sqlite")
    index.run(lambda conn: insert_rows(conn, REF, few))
    assert not _pending(index)  # a few records: their fields at once
    index.run(lambda conn: insert_rows(conn, REF, many))
    assert _pending(index)
    assert index.run(lambda conn: conn.execute("SELECT max(rec) FROM fields").fetchone()) == (5,)
    index.fill_fields(chunk=4)
    assert index.run(_dump) == _eager(tmp_path, [few, many])
    index.close()


def test_a_fill_that_fails_midway_keeps_what_it_committed_and_the_next_finishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [_row(n) for n in range(40)]
    index = Index(tmp_path / "index.sqlite")
    assert index.seed(REF, RECORDS, RowColumns.of(rows))
    real_add = index_module._add_fields
    calls: list[int] = []

    def dies_on_the_third(conn: sqlite3.Connection, last: int, upto: int = 0) -> None:
        calls.append(last)
        real_add(conn, last, upto)
        if len(calls) == 3:
            raise sqlite3.OperationalError("disk I/O error")  # after writing: rolled back

    monkeypatch.setattr(index_module, "_add_fields", dies_on_the_third)
    with pytest.raises(sqlite3.OperationalError):
        index.fill_fields(chunk=6)
    monkeypatch.setattr(index_module, "_add_fields", real_add)
    filled = index.run(lambda conn: index_module._fields_filled(conn))
    assert filled == 12  # two chunks committed, the third rolled back
    assert index.run(lambda conn: conn.execute("SELECT max(rec) FROM fields").fetchone()) == (12,)
    index.fill_fields(chunk=6)
    assert index.run(_dump) == _eager(tmp_path, [rows])
    index.close()


def _step_in_child(commondir: str, start: float) -> bool:
    fields_warm.STEP_CHUNK = 3
    fields_warm.STEP_PAUSE = 0.001
    while time.time() < start:
        time.sleep(0.001)
    return fields_warm.warm(Path(commondir))


def test_two_steps_and_a_writer_at_once_leave_the_eager_table(
    repo_with_commit: Path, tmp_path: Path
) -> None:
    git(repo_with_commit, "config", fields_warm.SWITCH, "true")
    commondir = repo_with_commit / ".git"
    state = commondir / "gitml"
    state.mkdir()
    first = [_row(n) for n in range(60)]
    index = Index(state / index_module.INDEX_FILE)
    assert index.seed(REF, RECORDS, RowColumns.of(first))
    index.close()
    start = time.time() + 0.5
    context = multiprocessing.get_context("fork")
    later = [[_row(n) for n in range(100 + 5 * k, 105 + 5 * k)] for k in range(8)]
    with context.Pool(2) as pool:
        ran = pool.starmap_async(_step_in_child, [(str(commondir), start)] * 2)
        while time.time() < start:
            time.sleep(0.001)
        for rows in later:  # a writer adding records while the steps fill
            index.run(lambda conn, rows=rows: insert_rows(conn, REF, rows))
            time.sleep(0.01)
        steps = ran.get(timeout=60)
    assert sorted(steps) in ([False, True], [True, True])  # the lock: one at a time
    index.fill_fields()  # what a query does first; anything left after the writer
    assert not (state / fields_warm.LOG).exists()
    assert index.run(_dump) == _eager(tmp_path, [first, *later])
    index.close()


def test_a_step_switched_off_fills_nothing_and_none_is_started(
    repo_with_commit: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commondir = repo_with_commit / ".git"
    state = commondir / "gitml"
    state.mkdir()
    index = Index(state / index_module.INDEX_FILE)
    assert index.seed(REF, RECORDS, RowColumns.of([_row(n) for n in range(5)]))
    started: list[str] = []
    monkeypatch.setattr(fields_warm, "start_step", lambda _dir, module: started.append(module))
    assert not fields_warm.warm(commondir)  # the tests' global config says false
    assert not fields_warm.warm_later(index, commondir)
    assert started == []
    assert index.fields_pending()
    git(repo_with_commit, "config", fields_warm.SWITCH, "true")
    assert fields_warm.warm_later(index, commondir)
    assert started == [fields_warm.__name__]
    index.fill_fields()
    assert not fields_warm.warm_later(index, commondir)  # nothing pending: nothing to start
    assert started == [fields_warm.__name__]
    index.close()
