"""``gitml.monitor.Collector``: rows appended in blocks to rolling files monitor can read."""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

import pytest

from gitml.errors import UsageError
from gitml.monitor import Collector


def test_collector_writes_jsonl_in_blocks(tmp_path: Path) -> None:
    path = tmp_path / "serving" / "churn.jsonl"
    col = Collector(path, flush_rows=3)
    col.log({"x": 1.0, "city": "Oslo"}, prediction=0.7)
    col.log({"x": 2.0, "city": "Rome"}, prediction=0.1)
    assert not path.exists()
    col.log({"x": 3.0, "city": "Oslo"}, prediction=0.9)
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert rows[0] == {"x": 1.0, "city": "Oslo", "prediction": 0.7}
    assert len(rows) == 3


def test_collector_csv_rolls_over_with_a_header_per_file(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    with Collector(path, flush_rows=10, max_bytes=50) as col:
        for i in range(30):
            col.log({"x": i, "y": i * 2})
    files = sorted(tmp_path.glob("p*.csv"))
    assert [f.name for f in files] == ["p-1.csv", "p-2.csv", "p.csv"]
    for f in files:
        with f.open() as fh:
            rows = list(csv.DictReader(fh))
        assert len(rows) == 10
        assert set(rows[0]) == {"x", "y"}


def test_collector_is_cheap_per_row(tmp_path: Path) -> None:
    col = Collector(tmp_path / "p.jsonl", flush_rows=5000)
    row = {f"f{i}": float(i) for i in range(20)}
    start = time.perf_counter()
    for _ in range(20_000):
        col.log(row, prediction=1)
    col.close()
    per_row = (time.perf_counter() - start) / 20_000
    assert per_row < 50e-6
    assert len((tmp_path / "p.jsonl").read_text().splitlines()) == 20_000


def test_collector_refuses_unknown_formats(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"\.jsonl or \.csv"):
        Collector(tmp_path / "p.xlsx")
