"""Index snapshot segments (format 3): what a segment holds decodes to the rows it was
written from, its blob is that text as one bounded zlib stream, anything malformed is
refused whole, and loading rows in bulk builds the
same index as inserting them one parsed record at a time."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest

from gitml.storage import index as index_module
from gitml.storage.index import (
    DOC_COLUMNS,
    QUERY_INDEXES,
    Index,
    IndexRow,
    RowColumns,
    insert_rows,
)
from gitml.storage.index_snapshot import (
    MAX_SEGMENTS,
    SEGMENT_ROWS,
    SnapshotRefused,
    decode_segment,
    deflate_segment,
    encode_segment,
    folds,
    inflate_segment,
)
from tests.support.index import rows_disagreeing

REF = "refs/gitml/runs"
RECORDS = "c" * 40


def _doc(n: int) -> str:
    doc = {
        "id": f"run{n}",
        "name": f"name-{n % 3}",
        "params": {"lr": n / 10, "opt": "sgd", "layers": [1, 2], "deep": {"a": n}},
        "metrics": {"acc": 0.5 + n / 100, "flag": n % 2 == 0, "none": None},
        "tags": {"note": "é ✓ \u2028 line\nbreak"},
        "code": {"branch": ["main", "exp"][n % 2]},
    }
    if n % 4 == 0:
        doc["parent"] = "run0"
    return json.dumps(doc, separators=(",", ":"))


def _rows(count: int = 9) -> list[IndexRow]:
    rows = [
        IndexRow(f"runs/{n % 4}/run{n}.toml", f"{n:040x}", n, "gitml/run/1", _doc(n), None)
        for n in range(count)
    ]
    rows.append(IndexRow("runs/x/bad.toml", "e" * 40, count, None, None, "runs/x/bad.toml: bad"))
    return rows


def test_a_segment_decodes_to_the_rows_it_was_written_from() -> None:
    rows = _rows()
    data = encode_segment(REF, RECORDS, rows)
    assert len(data.splitlines()) == 2 + len(rows)  # no document breaks its line
    assert decode_segment(data, ref=REF, where="s").rows() == rows
    assert decode_segment(encode_segment(REF, RECORDS, []), ref=REF, where="s").rows() == []


def _edit(change: Callable[[dict[str, object], dict[str, list[object]], list[str]], None]) -> bytes:
    head, columns, *docs = encode_segment(REF, RECORDS, _rows()).decode().split("\n")[:-1]
    parsed_head, parsed_columns = json.loads(head), json.loads(columns)
    change(parsed_head, parsed_columns, docs)
    lines = [json.dumps(parsed_head), json.dumps(parsed_columns), *docs]
    return ("\n".join(lines) + "\n").encode()


def _set(column: str, value: object, row: int = 0) -> Callable[..., None]:
    def change(
        _head: dict[str, object], columns: dict[str, list[object]], _docs: list[str]
    ) -> None:
        columns[column][row] = value

    return change


def _doc_line(value: str, row: int = 0) -> Callable[..., None]:
    def change(
        _head: dict[str, object], _columns: dict[str, list[object]], docs: list[str]
    ) -> None:
        docs[row] = value

    return change


def _extra_doc(
    _head: dict[str, object], _columns: dict[str, list[object]], docs: list[str]
) -> None:
    docs.append(docs[0])


def _other_ref(
    head: dict[str, object], _columns: dict[str, list[object]], _docs: list[str]
) -> None:
    head["ref"] = "refs/gitml/data"


def _no_column(
    _head: dict[str, object], columns: dict[str, list[object]], _docs: list[str]
) -> None:
    del columns["kind"]


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (_set("seq", True), "malformed"),
        (_set("seq", -1), "malformed"),
        (_set("seq", 2**62), "malformed"),
        (_set("seq", 1.5), "malformed"),
        (_set("blob", "A" * 40), "malformed"),
        (_set("blob", "a" * 39), "malformed"),
        (_set("path", 7), "malformed"),
        (_set("kind", 3), "malformed"),
        (_set("error", ["x"]), "malformed"),
        (_set("error", "also an error"), "malformed"),  # a document and an error
        (_doc_line(""), "malformed"),  # neither a document nor an error
        (_doc_line("[1, 2]"), "malformed"),  # JSON, but not a record's table
        (_doc_line("{}", row=9), "malformed"),  # the error row with a document
        (_extra_doc, "says 10 rows"),
        (_other_ref, "holds rows of"),
        (_no_column, "malformed"),
    ],
)
def test_a_malformed_segment_is_refused_whole(change: Callable[..., None], says: str) -> None:
    with pytest.raises(SnapshotRefused, match=says):
        decode_segment(_edit(change), ref=REF, where="runs/0000.jsonl")


def test_a_segment_without_its_final_line_break_is_refused() -> None:
    data = encode_segment(REF, RECORDS, _rows()[:-1])  # the last line a document
    with pytest.raises(SnapshotRefused, match="malformed"):
        decode_segment(data[:-1], ref=REF, where="s")
    with pytest.raises(SnapshotRefused, match="malformed"):
        decode_segment(b"\xff" + data, ref=REF, where="s")


DOC_COLUMN_NAMES = ", ".join(column for column, _path in DOC_COLUMNS)


def _dump(conn: sqlite3.Connection) -> dict[str, object]:
    """Everything a query reads, with row ids replaced by what they name."""
    return {
        "records": conn.execute(
            f"SELECT ref, path, id, kind, doc, error, seq, {DOC_COLUMN_NAMES}, hex(blob) "
            "FROM records ORDER BY ref, path"
        ).fetchall(),
        "fields": conn.execute(
            "SELECT r.path, k.path, f.value, typeof(f.value), f.t FROM fields f "
            "JOIN records r ON r.rid = f.rec JOIN field_keys k ON k.id = f.key "
            "ORDER BY 1, 2"
        ).fetchall(),
        "indexes": conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type='index' ORDER BY name"
        ).fetchall(),
    }


@pytest.mark.parametrize("others", [0, 3], ids=["empty file", "other records present"])
def test_a_bulk_load_builds_the_index_row_by_row_inserts_build(tmp_path: Path, others: int) -> None:
    rows = _rows(40)
    other = [IndexRow(f"data/d{n}.toml", f"{n:040x}", n, "k", "{}", None) for n in range(others)]
    index = Index(tmp_path / "bulk.sqlite")
    index.run(lambda conn: insert_rows(conn, "refs/gitml/data", other))
    assert index.seed(REF, RECORDS, RowColumns.of(rows))
    assert not index.seed(REF, RECORDS, RowColumns.of(rows))  # seeded already

    expected = Index(tmp_path / "rows.sqlite")
    expected.run(lambda conn: insert_rows(conn, "refs/gitml/data", other))
    expected.run(lambda conn: insert_rows(conn, REF, rows))
    expected.ensure_indexes(QUERY_INDEXES)  # what the first query makes
    index.fill_fields()  # a load into an empty file leaves them to the first query
    loaded = index.run(_dump)
    assert loaded == expected.run(_dump)
    assert len(loaded["fields"]) == 40 * 7  # type: ignore[arg-type]
    assert index.indexed_tip(REF) == RECORDS
    kept = index.run(lambda conn: conn.execute("SELECT seq FROM tips WHERE ref=?", (REF,)))
    assert kept.fetchone() == (max(row.seq for row in rows),)  # no count on the next refresh
    index.close()
    expected.close()


def test_a_document_sqlite_cannot_read_leaves_the_index_as_it_was(tmp_path: Path) -> None:
    rows = _rows(5)
    columns = RowColumns.of(rows)
    columns.doc[3] = '{"name":'
    index = Index(tmp_path / "bulk.sqlite")
    before = index.run(_dump)
    with pytest.raises(sqlite3.DatabaseError, match="malformed JSON"):
        index.seed(REF, RECORDS, columns)
    assert index.run(_dump) == before  # no row, and every index dropped for the load is back
    assert index.indexed_tip(REF) is None
    assert index_module.BULK_CACHE_KIB > 2_000
    assert index.run(lambda conn: conn.execute("PRAGMA temp_store").fetchone()[0]) == 0
    index.close()


def _listing_of(rows: list[IndexRow]) -> list[tuple[str, str]]:
    """What ``git ls-tree`` lists for the tree the rows were derived from: (blob id, path)
    of each record, plus blobs that are not records."""
    others = [("f" * 40, "runs/layout.toml"), ("f" * 40, "layout.toml"), ("f" * 40, "x.TOML")]
    return [(row.blob, row.path) for row in rows] + others


def _in_batches(rows: list[IndexRow], size: int) -> list[RowColumns]:
    return [RowColumns.of(rows[start : start + size]) for start in range(0, len(rows), size)]


def test_rows_loaded_in_batches_and_matched_to_a_listing_build_the_same_index(
    tmp_path: Path,
) -> None:
    rows = _rows(40)
    listing = _listing_of(rows)
    index = Index(tmp_path / "batches.sqlite")
    assert index.seed(REF, RECORDS, _in_batches(rows, 7), listing=[listing[:13], listing[13:]])
    assert _loaded_whole(tmp_path, rows, index) == index.run(_dump)
    assert index.indexed_tip(REF) == RECORDS
    index.close()


def _loaded_whole(tmp_path: Path, rows: list[IndexRow], loaded: Index) -> dict[str, object]:
    """What ``rows`` loaded in one batch into a file of their own hold, with every field
    filled (in ``loaded`` too, for comparing)."""
    whole = Index(tmp_path / "whole.sqlite")
    assert whole.seed(REF, RECORDS, RowColumns.of(rows))
    whole.fill_fields()
    loaded.fill_fields()
    try:
        return whole.run(_dump)
    finally:
        whole.close()


def _changed_blob(listing: list[tuple[str, str]], at: int) -> list[tuple[str, str]]:
    changed = list(listing)
    changed[at] = ("d" * 40, changed[at][1])
    return changed


@pytest.mark.parametrize(
    ("listing", "says"),
    [
        (lambda rows: _changed_blob(_listing_of(rows), 30), "the 41 rows are not the 41 listed"),
        (lambda rows: _listing_of(rows)[:-4], "41 rows for 40 listed"),  # a row of no record
        (lambda rows: [*_listing_of(rows), ("a" * 40, "runs/new.toml")], "41 rows for 42 listed"),
        (lambda rows: [(o, p.upper()) for o, p in _listing_of(rows)], "41 rows for 0 listed"),
    ],
    ids=["a blob differs late", "a row too many", "a record without a row", "no record"],
)
def test_a_mismatch_in_a_later_batch_leaves_the_index_as_it_was(
    tmp_path: Path,
    listing: Callable[[list[IndexRow]], list[tuple[str, str]]],
    says: str,
) -> None:
    rows = _rows(40)
    other = [IndexRow("data/d0.toml", "0" * 40, 0, "k", "{}", None)]
    index = Index(tmp_path / "bulk.sqlite")
    index.run(lambda conn: insert_rows(conn, "refs/gitml/data", other))
    before = index.run(_dump)
    listed = listing(rows)
    with pytest.raises(index_module.RowsMismatch, match=f"^{says} records$"):
        index.seed(REF, RECORDS, _in_batches(rows, 7), listing=[listed[:20], listed[20:]])
    assert index.run(_dump) == before
    assert index.indexed_tip(REF) is None
    assert index.seed(REF, RECORDS, RowColumns.of(rows), listing=[_listing_of(rows)])
    index.close()


def test_a_malformed_later_segment_leaves_the_index_as_it_was(tmp_path: Path) -> None:
    rows = _rows(20)
    index = Index(tmp_path / "bulk.sqlite")
    before = index.run(_dump)

    def segments() -> Iterator[RowColumns]:
        yield RowColumns.of(rows[:10])
        raise SnapshotRefused("runs/0001.jsonl is malformed")

    with pytest.raises(SnapshotRefused, match="0001"):
        index.seed(REF, RECORDS, segments(), listing=[_listing_of(rows)])
    assert index.run(_dump) == before
    assert index.indexed_tip(REF) is None
    index.close()


@pytest.mark.parametrize(
    "path",
    [
        "runs/a.toml",
        "a.toml",
        "layout.toml",
        "runs/layout.toml",
        "runs/xlayout.toml",
        "runs/layout.toml/a.toml",
        "runs/layout.toml.bak",
        "runs/a.TOML",
        "runs/a.toml ",
        "runs/ä%_[x]*?.toml",
        "runs/.toml",
        "toml",
    ],
)
def test_the_sql_record_path_rule_agrees_with_the_python_one(path: str) -> None:
    with closing(sqlite3.connect(":memory:")) as conn:
        (chosen,) = conn.execute(
            f"SELECT count(*) WHERE {index_module.record_path_sql('?1')}", (path,)
        ).fetchone()
    assert bool(chosen) == index_module.is_record_path(path)


@pytest.mark.parametrize(
    ("held", "fresh", "rows", "fold"),
    [
        (15, 3, 100, False),  # the 16th segment
        (16, 3, 100, True),  # a 17th would go past MAX_SEGMENTS
        (16, 0, 100, True),  # a publish always adds a segment
        (5, 40_000, 100_000, False),  # two full segments more: 7 held beside 5 full
        (21, 1, 100_000, True),  # 22: 17 beside 5 full ones
        (21, 1, 120_000, False),  # 22: 16 beside 6 full ones
        (0, 400_000, 400_000, False),  # a first publish of 20 full segments
    ],
)
def test_a_publish_folds_only_past_max_segments_beside_the_full_ones(
    held: int, fresh: int, rows: int, fold: bool
) -> None:
    assert (SEGMENT_ROWS, MAX_SEGMENTS) == (20_000, 16)
    assert folds(held=held, fresh=fresh, rows=rows) is fold


def test_a_path_in_two_segments_leaves_the_index_as_it_was(tmp_path: Path) -> None:
    rows = _rows(20)
    index = Index(tmp_path / "bulk.sqlite")
    before = index.run(_dump)
    twice = [RowColumns.of(rows[:10]), RowColumns.of(rows[9:])]  # run9 in both
    with pytest.raises(sqlite3.IntegrityError):
        index.seed(REF, RECORDS, twice, listing=[_listing_of(rows)])
    assert index.run(_dump) == before
    assert index.indexed_tip(REF) is None
    index.close()


def _load_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".load-" in p.name)


def _identity(path: Path) -> tuple[int, int]:
    st = path.stat()
    return (st.st_dev, st.st_ino)


def test_a_load_into_an_empty_index_swaps_in_a_file_built_beside_it(tmp_path: Path) -> None:
    rows = _rows(40)
    index = Index(tmp_path / "bulk.sqlite")
    index.run(lambda conn: None)  # the empty file a first command leaves
    before = _identity(index.path)
    extra = "CREATE INDEX IF NOT EXISTS by_name ON records(ref, name)"
    assert index.seed(
        REF, RECORDS, _in_batches(rows, 7), listing=[_listing_of(rows)], indexes=[extra]
    )
    assert _identity(index.path) != before  # a new file, renamed into place
    assert _load_files(tmp_path) == []

    expected = Index(tmp_path / "rows.sqlite")
    expected.run(lambda conn: insert_rows(conn, REF, rows))
    expected.run(lambda conn: conn.execute(extra))
    expected.ensure_indexes(QUERY_INDEXES)  # what the first query makes
    assert index.run(lambda conn: conn.execute("SELECT count(*) FROM fields").fetchone()) == (0,)
    later = [IndexRow("runs/9/later.toml", "9" * 40, 99, "gitml/run/1", _doc(99), None)]
    for filled in (index, expected):  # rows parsed before the fields are filled get theirs
        filled.run(lambda conn: insert_rows(conn, REF, later))
    index.fill_fields()
    assert index.run(_dump) == expected.run(_dump)
    assert index.indexed_tip(REF) == RECORDS
    assert index.run(lambda conn: conn.execute("PRAGMA journal_mode").fetchone()[0]) == "wal"
    assert index.run(lambda conn: conn.execute("SELECT count(*) FROM sqlite_stat1").fetchone()[0])
    assert not index.seed(REF, RECORDS, RowColumns.of(rows))  # seeded already
    index.close()
    expected.close()


def test_a_load_while_another_connection_has_the_index_open_copies_the_rows_in(
    tmp_path: Path,
) -> None:
    """Renaming a file over a database someone has open would pair the new file with the
    old one's -wal and -shm; while a connection is open, the rows are copied in instead,
    and that connection reads them."""
    rows = _rows(40)
    reader = Index(tmp_path / "bulk.sqlite")
    assert reader.indexed_tip(REF) is None  # holds the (empty) index open
    before = _identity(reader.path)
    index = Index(tmp_path / "bulk.sqlite")
    assert index.seed(REF, RECORDS, _in_batches(rows, 7), listing=[_listing_of(rows)])
    assert _identity(index.path) == before
    assert _load_files(tmp_path) == []
    assert _loaded_whole(tmp_path, rows, reader) == reader.run(_dump)
    assert reader.run(rows_disagreeing) == []
    assert reader.indexed_tip(REF) == RECORDS
    reader.close()
    index.close()


def test_a_failed_load_into_an_empty_index_leaves_no_file_behind(tmp_path: Path) -> None:
    rows = _rows(20)
    index = Index(tmp_path / "bulk.sqlite")
    before = index.run(_dump)
    listed = _changed_blob(_listing_of(rows), 3)
    with pytest.raises(index_module.RowsMismatch):
        index.seed(REF, RECORDS, _in_batches(rows, 7), listing=[listed])
    assert _load_files(tmp_path) == []
    assert index.run(_dump) == before
    assert index.indexed_tip(REF) is None
    index.close()


def test_a_file_a_crashed_load_left_is_removed_by_the_next_load(tmp_path: Path) -> None:
    rows = _rows(5)
    index = Index(tmp_path / "bulk.sqlite")
    crashed = tmp_path / "bulk.sqlite.load-1-2"
    crashed.write_bytes(b"half a database")
    busy = tmp_path / "bulk.sqlite.load-3-4"  # a load still running: its lock is held
    busy.write_bytes(b"")
    with index_module.exclusive(Path(f"{busy}.lock")):
        assert index.seed(REF, RECORDS, RowColumns.of(rows))
        assert _load_files(tmp_path) == ["bulk.sqlite.load-3-4", "bulk.sqlite.load-3-4.lock"]
    index.close()


def _seed_in_child(path: str, start: float) -> bool:
    while time.time() < start:
        time.sleep(0.001)
    rows = _rows(400)
    index = Index(Path(path))
    try:
        return index.seed(REF, RECORDS, _in_batches(rows, 50), listing=[_listing_of(rows)])
    finally:
        index.close()


def test_two_processes_loading_an_empty_index_at_once_leave_one_copy_of_the_rows(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bulk.sqlite"
    Index(path).run(lambda conn: None)
    start = time.time() + 0.5
    context = multiprocessing.get_context("fork")
    with context.Pool(2) as pool:
        loaded = pool.starmap(_seed_in_child, [(str(path), start)] * 2)
    assert True in loaded
    index = Index(path)
    assert _loaded_whole(tmp_path, _rows(400), index) == index.run(_dump)
    assert index.run(lambda conn: conn.execute("PRAGMA integrity_check").fetchall()) == [("ok",)]
    assert _load_files(tmp_path) == []
    index.close()


def test_a_listing_longer_than_its_cache_still_finds_a_late_difference(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The listing ``match_listing`` compares rows with spills to its scratch file past
    ``LISTING_CACHE_KIB``; each batch is still matched to all of it."""
    monkeypatch.setattr(index_module, "LISTING_CACHE_KIB", 64)
    rows = _rows(3000)
    listing = _listing_of(rows)
    with pytest.raises(index_module.RowsMismatch, match=r"first difference: runs/3/run2999\.toml$"):
        index_module.match_listing(REF, _in_batches(rows, 500), [_changed_blob(listing, 2999)])
    batches = _in_batches(rows, 500)
    assert index_module.match_listing(REF, batches, [listing[:900], listing[900:]]) == 3001


def test_rows_matched_to_a_listing_without_an_index_are_checked_as_a_load_checks_them() -> None:
    """``match_listing`` (``git ml index verify``, and naming where a load's rows differ):
    the exact check, a batch of rows at a time, with nothing kept but a scratch file."""
    rows = _rows(40)
    listing = _listing_of(rows)
    assert index_module.match_listing(REF, _in_batches(rows, 7), [listing]) == 41
    with pytest.raises(index_module.RowsMismatch, match=r"first difference: runs/2/run30\.toml$"):
        index_module.match_listing(REF, _in_batches(rows, 7), [_changed_blob(listing, 30)])
    extra = [*listing, ("a" * 40, "runs/new.toml")]
    with pytest.raises(index_module.RowsMismatch, match=r"first difference: runs/new\.toml$"):
        index_module.match_listing(REF, _in_batches(rows, 7), [extra])
    twice = [RowColumns.of(rows[:10]), RowColumns.of(rows[9:])]
    with pytest.raises(sqlite3.IntegrityError):
        index_module.match_listing(REF, twice, [listing])


def test_a_segment_blob_is_its_text_as_one_zlib_stream() -> None:
    text = encode_segment(REF, RECORDS, _rows())
    data = deflate_segment(text)
    assert len(data) < len(text) / 2
    assert inflate_segment(data, where="s") == text


@pytest.mark.parametrize(
    ("blob", "says"),
    [
        (b"plain text, as format 2 wrote it", "not a zlib stream"),
        (zlib.compress(b"x" * 100)[:-3], "not one whole zlib stream"),  # cut short
        (zlib.compress(b"x" * 100) + b"more", "not one whole zlib stream"),
        (zlib.compress(b"x" * 100) * 2, "not one whole zlib stream"),
        (zlib.compress(b"\n" * 5000, 9), "inflates past 4096 bytes"),  # 5 KB from a few bytes
    ],
)
def test_a_segment_blob_that_is_not_one_bounded_zlib_stream_is_refused(
    blob: bytes, says: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gitml.storage import index_snapshot

    monkeypatch.setattr(index_snapshot, "MAX_SEGMENT_BYTES", 4096)
    with pytest.raises(SnapshotRefused, match=says):
        inflate_segment(blob, where="runs/0000.jsonl.z")
