"""The SQLite query index: incremental, disposable, shared between processes."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from gitml.records import codec
from gitml.storage import INDEX_FILE
from gitml.storage.index import DOC_COLUMNS, Index, drop_index, open_index, parse_record
from gitml.storage.repo import open_repo
from tests.storage.helpers import (
    FORK,
    REF,
    bulk_put,
    collection,
    put_record,
    record,
    run_workers,
)
from tests.support.core import git


def _ids(rows: list[Any]) -> list[str]:
    return sorted(row.id for row in rows)


def _rows_on_disk(path: Path, ref: str = REF) -> int:
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return int(conn.execute("SELECT count(*) FROM records WHERE ref=?", (ref,)).fetchone()[0])


def test_rows_hold_every_valid_record(repo_with_commit: Path) -> None:
    coll = collection(repo_with_commit)
    for n in range(5):
        put_record(coll, f"r{n}")
    index = open_index(coll)
    rows = index.rows(coll)
    assert [row.id for row in rows] == ["r4", "r3", "r2", "r1", "r0"]  # id DESC
    assert rows[0].path == coll.record_path("r4")
    assert rows[0].doc["shard"].startswith("r4:")
    assert index.count(coll) == 5
    assert index.indexed_tip(REF) == git(repo_with_commit, "rev-parse", REF).strip()
    assert _ids(index.rows(coll, "json_extract(doc, '$.shard') LIKE ?", ["r3:%"])) == ["r3"]


def test_refresh_is_incremental_from_the_tree_diff(repo_with_commit: Path) -> None:
    coll = collection(repo_with_commit)
    bulk_put(coll, [f"old{n}" for n in range(50)], "bulk")
    index = open_index(coll)
    seen: list[str] = []

    def parse(path: str, data: bytes) -> dict[str, Any] | None:
        seen.append(path)
        return parse_record(path, data)

    index.refresh(coll, parse)
    assert len(seen) == 51  # 50 records + layout.toml
    seen.clear()
    put_record(coll, "new1")
    put_record(coll, "new2")
    index.refresh(coll, parse)
    assert sorted(seen) == sorted([coll.record_path("new1"), coll.record_path("new2")])
    seen.clear()
    index.refresh(coll, parse)  # tip unchanged: nothing read
    assert seen == []
    assert index.count(coll) == 52


def test_deleted_and_rewound_records_leave_the_index(repo_with_commit: Path) -> None:
    coll = collection(repo_with_commit)
    put_record(coll, "keep")
    put_record(coll, "gone")
    index = open_index(coll)
    assert index.count(coll) == 2
    coll.write(lambda _s: {coll.record_path("gone"): None}, "delete gone", replace=True)
    assert _ids(index.rows(coll)) == ["keep"]
    put_record(coll, "later")
    assert index.count(coll) == 2
    git(repo_with_commit, "update-ref", REF, f"{REF}~2")  # rewind to "keep" + "gone"
    assert _ids(index.rows(coll)) == ["gone", "keep"]


def _seqs(index: Index) -> dict[str, int]:
    return dict(index.run(lambda conn: conn.execute("SELECT path, seq FROM records").fetchall()))


def test_the_largest_seq_is_kept_beside_the_tip_and_counted_only_when_unknown(
    repo_with_commit: Path, tmp_path: Path
) -> None:
    """A refresh numbers new rows after the largest ``seq`` (which run of a name is the
    latest): kept in ``tips``, it is not counted over every row again (a million at scale),
    and the rows get the numbers counting gives, through additions, a deletion, a rewind
    and a rebuild."""
    coll = collection(repo_with_commit)
    kept = open_index(coll)
    counting = Index(tmp_path / "counting.sqlite")
    statements: list[str] = []
    kept.run(lambda conn: conn.set_trace_callback(statements.append))

    def step() -> None:
        statements.clear()
        kept.refresh(coll)
        counting.run(lambda conn: conn.execute("UPDATE tips SET seq = NULL"))
        counting.refresh(coll)
        assert _seqs(kept) == _seqs(counting)

    bulk_put(coll, [f"old{n}" for n in range(5)], "bulk")
    step()
    put_record(coll, "new1")
    step()
    assert not [sql for sql in statements if "max(seq)" in sql]  # kept, not counted
    coll.write(lambda _s: {coll.record_path("old0"): None}, "delete old0", replace=True)
    step()
    put_record(coll, "new2")
    step()
    assert [sql for sql in statements if "max(seq)" in sql]  # unknown after the deletion
    put_record(coll, "new3")
    step()
    git(repo_with_commit, "update-ref", REF, f"{REF}~2")
    step()
    put_record(coll, "new4")
    step()
    for index in (kept, counting):  # an indexed tip that has vanished: rows rebuilt
        index.run(lambda conn: conn.execute("UPDATE tips SET tip = ?", ("1" * 40,)))
    step()
    largest = kept.run(lambda conn: conn.execute("SELECT max(seq) FROM records").fetchone()[0])
    assert kept.run(lambda conn: conn.execute("SELECT seq FROM tips").fetchall()) == [(largest,)]
    kept.close()
    counting.close()


def test_deleted_index_file_is_rebuilt(repo_with_commit: Path) -> None:
    coll = collection(repo_with_commit)
    for n in range(3):
        put_record(coll, f"r{n}")
    index = open_index(coll)
    assert index.count(coll) == 3
    index.close()
    drop_index(coll.repo.state_dir)
    assert not (coll.repo.state_dir / INDEX_FILE).exists()
    assert open_index(coll).count(coll) == 3


def test_index_deleted_while_another_connection_is_open(repo_with_commit: Path) -> None:
    coll = collection(repo_with_commit)
    path = coll.repo.state_dir / INDEX_FILE
    put_record(coll, "a")
    first = Index(path)
    assert first.count(coll) == 1  # holds an open connection
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    second = Index(path)
    put_record(coll, "b")
    assert _ids(second.rows(coll)) == ["a", "b"]
    put_record(coll, "c")
    # The first connection notices the new file and works on it, not on the deleted one.
    assert _ids(first.rows(coll)) == ["a", "b", "c"]
    first.close()  # must not checkpoint into, or delete, the new file's WAL
    assert _ids(second.rows(coll)) == ["a", "b", "c"]
    second.close()
    assert _rows_on_disk(path) == 3


@pytest.mark.parametrize("damage", ["garbage-file", "garbage-pages", "empty-header"])
def test_corrupt_index_file_is_rebuilt(repo_with_commit: Path, damage: str) -> None:
    coll = collection(repo_with_commit)
    bulk_put(coll, [f"r{n:03d}" for n in range(300)], "bulk")
    path = coll.repo.state_dir / INDEX_FILE
    index = Index(path)
    assert index.count(coll) == 300
    index.close()
    size = path.stat().st_size
    with path.open("r+b") as fh:
        if damage == "garbage-file":
            fh.write(b"this is not a database" * 100)
        elif damage == "garbage-pages":
            fh.seek(4096)  # keep the header, smash the b-tree pages
            fh.write(bytes(range(256)) * ((size - 4096) // 256))
        else:
            fh.write(b"\0" * 100)
    fresh = Index(path)
    assert fresh.count(coll) == 300
    assert len(fresh.rows(coll, limit=10)) == 10
    fresh.close()
    assert _rows_on_disk(path) == 300


def test_garbage_written_under_an_open_connection_is_rebuilt(repo_with_commit: Path) -> None:
    coll = collection(repo_with_commit)
    bulk_put(coll, [f"r{n:03d}" for n in range(300)], "bulk")
    path = coll.repo.state_dir / INDEX_FILE
    index = Index(path)
    assert index.count(coll) == 300
    index.connect().execute("PRAGMA wal_checkpoint(TRUNCATE)")
    with path.open("r+b") as fh:  # same inode: the connection cannot notice by stat
        fh.seek(0)
        fh.write(b"\x13" * path.stat().st_size)
    put_record(coll, "one-more")
    assert index.count(coll) == 301


def _count_in_process(path: Path, barrier: Any, results: Any) -> None:
    coll = collection(path)
    barrier.wait()
    results.put(Index.for_collection(coll).count(coll))


@pytest.mark.slow
def test_two_processes_refreshing_at_once_agree(repo_with_commit: Path) -> None:
    coll = collection(repo_with_commit)
    bulk_put(coll, [f"r{n:04d}" for n in range(2000)], "bulk")
    barrier = FORK.Barrier(2)
    results = FORK.Queue()
    run_workers(_count_in_process, [(repo_with_commit, barrier, results)] * 2, timeout=60)
    assert sorted([results.get(timeout=5), results.get(timeout=5)]) == [2000, 2000]
    assert _rows_on_disk(coll.repo.state_dir / INDEX_FILE) == 2000


def test_invalid_records_are_reported_and_excluded(repo_with_commit: Path) -> None:
    coll = collection(repo_with_commit)
    put_record(coll, "good")
    bad_field = codec.dump_bytes(
        {"schema": "gitml/layout/1", "collection": "t", "fanout": 9, "shard": "x"}
    )
    unknown_kind = codec.dump_bytes({"schema": "gitml/nosuchkind/1", "name": "x"})
    files: dict[str, bytes | None] = {
        coll.record_path("badfield"): bad_field,
        coll.record_path("badtoml"): b'schema = "gitml/layout/1"\nfanout = [\n',
        coll.record_path("unknown"): unknown_kind,
        coll.record_path("untagged"): b'name = "no schema"\n',
    }
    coll.write(lambda _s: files, "bad records")
    index = open_index(coll)
    assert _ids(index.rows(coll)) == ["good"]
    assert index.count(coll) == 1
    assert index.ids_with_prefix(coll, "bad") == []
    errors = dict(index.errors(coll))
    assert sorted(errors) == sorted(p for p in files)
    assert "fanout" in errors[coll.record_path("badfield")]
    assert "invalid TOML" in errors[coll.record_path("badtoml")]
    assert "nosuchkind" in errors[coll.record_path("unknown")]
    assert "schema: is required" in errors[coll.record_path("untagged")]
    for path, message in errors.items():
        assert message.startswith(path)
    assert "layout.toml" not in str(errors)


def test_prefix_lookup(repo_with_commit: Path) -> None:
    coll = collection(repo_with_commit)
    ids = ["01HAAA", "01HAAB", "01HABZ", "01HB00", "02X"]
    bulk_put(coll, ids, "bulk")
    index = open_index(coll)
    assert index.ids_with_prefix(coll, "01HAA") == ["01HAAA", "01HAAB"]
    assert index.ids_with_prefix(coll, "01H") == ["01HAAA", "01HAAB", "01HABZ", "01HB00"]
    assert index.ids_with_prefix(coll, "01H", limit=2) == ["01HAAA", "01HAAB"]
    assert index.ids_with_prefix(coll, "03") == []
    assert index.ids_with_prefix(coll, "") == sorted(ids)


def test_index_follows_each_collection_separately(repo_with_commit: Path) -> None:
    one = collection(repo_with_commit)
    other = collection(repo_with_commit, "refs/gitml/other", "o")
    put_record(one, "x")
    put_record(other, "y")
    put_record(other, "z")
    index = open_index(one)
    assert (_ids(index.rows(one)), _ids(index.rows(other))) == (["x"], ["y", "z"])
    assert open_repo(repo_with_commit).state_dir == one.repo.state_dir
    record_bytes = record("x")
    assert index.rows(one)[0].doc == codec.loads(record_bytes, where="x")


def _stale_index(path: Path, version: str) -> None:
    conn = sqlite3.connect(path)
    conn.executescript(
        "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        f"INSERT INTO meta VALUES('version', '{version}');"
    )
    conn.close()


def test_an_index_of_another_schema_version_is_left_alone(repo_with_commit: Path) -> None:
    coll = collection(repo_with_commit)
    put_record(coll, "r1")
    other = coll.repo.state_dir / "index-v1.sqlite"
    _stale_index(other, "1")
    assert [row.id for row in open_index(coll).rows(coll)] == ["r1"]
    assert other.exists()
    assert other.name != INDEX_FILE


def test_a_stale_version_in_the_index_file_is_rebuilt_by_registry_queries(
    repo_with_commit: Path,
) -> None:
    from gitml.registry.store import open_index as open_registry_index

    repo = open_repo(repo_with_commit)
    _stale_index(repo.state_dir / INDEX_FILE, "old")
    with open_registry_index(repo) as index:
        assert index.version_names() == {}


def test_a_page_is_chosen_and_read_in_one_state_of_the_index(repo_with_commit: Path) -> None:
    """A page's record ids are chosen first and their documents read by a second query,
    both in one read transaction: a writer committing in between (here every row deleted)
    changes nothing the page holds."""
    coll = collection(repo_with_commit)
    for n in range(5):
        put_record(coll, f"r{n}")
    index = open_index(coll)
    assert index.count(coll) == 5
    conn = index.connect()
    statements: list[str] = []

    def between(sql: str) -> None:
        statements.append(sql)
        if "json_each" in sql:  # the page's documents, once its ids are chosen
            with closing(sqlite3.connect(index.path, isolation_level=None)) as writer:
                writer.execute("DELETE FROM records")

    conn.set_trace_callback(between)
    try:
        page = index.rows(coll, limit=3, offset=1)
    finally:
        conn.set_trace_callback(None)
    assert [(row.id, row.doc["shard"][:3]) for row in page] == [
        ("r3", "r3:"),
        ("r2", "r2:"),
        ("r1", "r1:"),
    ]
    assert sum("json_each" in sql for sql in statements) == 1
    assert index.count(coll) == 0  # the writer did commit
    index.close()


SCHEMA_8 = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE tips(ref TEXT PRIMARY KEY, tip TEXT NOT NULL);
CREATE TABLE records(
    rid INTEGER PRIMARY KEY, ref TEXT NOT NULL, path TEXT NOT NULL, id TEXT NOT NULL,
    kind TEXT, doc TEXT, error TEXT, seq INTEGER NOT NULL, name TEXT, blob BLOB,
    UNIQUE(ref, path));
INSERT INTO meta VALUES('version', '8');
"""
"""The index file of schema version 8: ``records`` without the columns since derived from
each document (``DOC_COLUMNS``)."""


def test_an_index_file_of_the_previous_schema_is_rebuilt(repo_with_commit: Path) -> None:
    """A file of version 8 that claims the current tip (with no rows) where this version's
    file lives is rebuilt, not read: its rows would lack the derived columns."""
    coll = collection(repo_with_commit)
    for n in range(3):
        put_record(coll, f"r{n}")
    path = coll.repo.state_dir / INDEX_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path)) as conn:
        conn.executescript(SCHEMA_8)
        conn.execute("INSERT INTO tips VALUES(?, ?)", (REF, str(coll.tip())))
        conn.commit()
    index = open_index(coll)
    assert _ids(index.rows(coll)) == ["r0", "r1", "r2"]
    index.close()
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key='version'").fetchone()[0] != "8"
        columns = {row[1] for row in conn.execute("PRAGMA table_info(records)")}
    assert {column for column, _path in DOC_COLUMNS} <= columns
