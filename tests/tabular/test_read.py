from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from gitml.errors import GitmlError, InvalidRecord, UsageError
from gitml.tabular import _deps, read

ROWS = {"n": [1, 2, 3], "x": [0.5, None, 2.5], "s": ["a", "b", None], "f": [True, False, True]}


def _table(path: Path, **options: Any) -> Any:
    return pa.Table.from_batches(list(read.iter_batches(path, **options)))


def _write_all(tmp_path: Path) -> dict[str, Path]:
    table = pa.table(ROWS)
    paths = {
        "csv": tmp_path / "t.csv",
        "tsv": tmp_path / "t.tsv",
        "parquet": tmp_path / "t.parquet",
        "jsonl": tmp_path / "t.jsonl",
        "gz": tmp_path / "t.csv.gz",
    }
    pacsv.write_csv(table, paths["csv"])
    pacsv.write_csv(table, paths["tsv"], pacsv.WriteOptions(delimiter="\t"))
    pq.write_table(table, paths["parquet"])
    rows = [dict(zip(ROWS, values, strict=True)) for values in zip(*ROWS.values(), strict=True)]
    paths["jsonl"].write_text("".join(json.dumps(r) + "\n" for r in rows))
    paths["gz"].write_bytes(gzip.compress(paths["csv"].read_bytes()))
    return paths


def test_iter_batches_reads_every_format_to_the_same_rows(tmp_path: Path) -> None:
    for name, path in _write_all(tmp_path).items():
        table = _table(path)
        assert table.to_pydict() == ROWS, name
        assert table.schema.field("n").type == pa.int64(), name


def test_detect_format_names_unknown_and_ambiguous_extensions(tmp_path: Path) -> None:
    assert read.detect_format("a/b.PARQUET") == "parquet"
    assert read.detect_format("b.ndjson.gz") == "jsonl"
    assert read.detect_format("b.txt", "csv") == "csv"
    with pytest.raises(UsageError, match=r"b\.xlsx: unknown tabular format '\.xlsx'"):
        read.detect_format("b.xlsx")
    with pytest.raises(UsageError, match=r"'\.json' is ambiguous"):
        read.detect_format("b.json")
    with pytest.raises(UsageError, match="unknown tabular format 'excel'"):
        read.detect_format("b.csv", "excel")


def test_iter_batches_names_a_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    with pytest.raises(GitmlError, match=r"nope\.csv: cannot read the file .*; check the path"):
        _table(missing)


def test_iter_batches_names_the_line_of_a_ragged_csv_row(tmp_path: Path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_text('a,b,c\n\n1,2,3\n"x\ny",5,6\n4,5\n7,8,9\n')

    with pytest.raises(InvalidRecord) as caught:
        _table(path)

    message = str(caught.value)
    assert message == f"{path}: line 6: expected 3 fields, found 2; fix or remove that row"


def test_iter_batches_finds_a_ragged_row_far_into_a_large_csv(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    lines = ["a,b"] + [f"{i},{i % 7}" for i in range(1_200_000)]
    lines.insert(1_100_000, "1,2,3")
    path.write_text("\n".join(lines) + "\n")

    with pytest.raises(InvalidRecord, match=r"big\.csv: line 1100001: expected 2 fields, found 3"):
        for _ in read.iter_batches(path):
            pass


def test_iter_batches_rejects_empty_and_non_parquet_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    fake = tmp_path / "fake.parquet"
    fake.write_text("a,b\n1,2\n")

    with pytest.raises(InvalidRecord, match=r"empty\.csv: the file is empty"):
        _table(empty)
    with pytest.raises(InvalidRecord, match=r"fake\.parquet: not a readable Parquet file"):
        _table(fake)


def test_iter_batches_yields_the_schema_of_a_header_only_csv(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text("a,b\n")

    batches = list(read.iter_batches(path))

    assert [b.num_rows for b in batches] == [0]
    assert batches[0].schema.names == ["a", "b"]


def test_iter_batches_rejects_duplicate_column_names(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text("a,b,a\n1,2,3\n")

    with pytest.raises(
        InvalidRecord, match=r"dup\.csv: duplicate column name\(s\) 'a'; rename them"
    ):
        _table(path)


def test_scan_widens_csv_columns_that_change_type_after_the_first_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(read, "BLOCK_BYTES", 64)
    path = tmp_path / "late.csv"
    rows = [f"{i},{i},{i}" for i in range(40)] + ["1.5,x,"]
    path.write_text("n,s,e\n" + "\n".join(rows) + "\n")

    with pytest.raises(
        read.ColumnTypeConflict, match=r"column 'n' holds '1\.5', which is not int64"
    ):
        _table(path)
    table = read.scan(path, lambda batches: pa.Table.from_batches(list(batches)))

    assert table.schema.field("n").type == pa.float64()
    assert table.schema.field("s").type == pa.string()
    assert table.num_rows == 41
    assert table.column("s").to_pylist()[-2:] == ["39", "x"]


def test_scan_reads_jsonl_whose_fields_appear_and_widen_late(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(read, "BLOCK_BYTES", 64)
    path = tmp_path / "late.jsonl"
    lines = [json.dumps({"n": i}) for i in range(30)] + [json.dumps({"n": 0.5, "t": "x"})]
    path.write_text("\n".join(lines) + "\n")

    table = read.scan(path, lambda batches: pa.Table.from_batches(list(batches)))

    assert table.schema.field("n").type == pa.float64()
    assert table.column("t").to_pylist()[-1] == "x"
    assert table.num_rows == 31


def test_iter_batches_names_the_line_of_invalid_json(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"a": 1}\n\n{"a": 2\n')

    with pytest.raises(InvalidRecord, match=r"bad\.jsonl: line 3: not valid JSON"):
        _table(path)


def test_missing_extra_raises_an_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)

    with pytest.raises(_deps.MissingExtra, match=r"pip install 'gitml\[tabular\]'"):
        _deps.require()
