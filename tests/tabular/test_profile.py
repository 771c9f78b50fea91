from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from gitml.errors import InvalidRecord, UsageError
from gitml.records.codec import dumps, loads
from gitml.records.schema import find_errors, iter_schema_files
from gitml.tabular import profile as profile_module
from gitml.tabular.profile import profile_table
from tests.support.tabular import CATEGORICAL, NUMERIC, make_table


def _plain(value: Any) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return type(value) in (str, int, float, bool)


def test_profile_is_schema_valid_plain_data(training_profile: dict[str, Any]) -> None:
    assert find_errors(training_profile, "profile") == []
    assert _plain(training_profile)
    assert training_profile["rows"] == 100_000
    types = {name: col["type"] for name, col in training_profile["columns"].items()}
    assert types == {
        **dict.fromkeys(NUMERIC, "numeric"),
        **dict.fromkeys(CATEGORICAL, "categorical"),
        "flag": "boolean",
        "visits": "numeric",
        "score": "numeric",
    }
    positions = [training_profile["columns"][n]["position"] for n in make_table(0, 1).column_names]
    assert positions == list(range(20))


def test_profile_numeric_statistics_match_numpy(
    training_parquet: Path, training_profile: dict[str, Any]
) -> None:
    table = pq.read_table(training_parquet)
    for name in ("x0", "x1", "x5", "score"):
        col = training_profile["columns"][name]
        values = table.column(name).drop_null().to_numpy()
        assert col["count"] == values.size
        assert col["missing"] == 100_000 - values.size
        assert col["min"] == values.min()
        assert col["max"] == values.max()
        assert col["mean"] == pytest.approx(values.mean(), rel=1e-5, abs=1e-6 * np.ptp(values))
        assert col["std"] == pytest.approx(values.std(ddof=1), rel=1e-5)
        edges = np.asarray(col["histogram"]["edges"])
        counts = np.bincount(np.searchsorted(edges[1:-1], values, side="right"))
        assert col["histogram"]["counts"] == counts.tolist()
        assert len(counts) == 20
        assert (counts / values.size > 0.04).all()
        assert (counts / values.size < 0.06).all()
        for key, q in profile_module.QUANTILES.items():
            assert np.mean(values <= col["quantiles"][key]) == pytest.approx(q, abs=0.01)
        sample = col["sample"]
        assert len(sample) == 1000
        assert sample == sorted(sample)


def test_profile_gives_discrete_columns_one_bin_per_value(training_profile: dict[str, Any]) -> None:
    col = training_profile["columns"]["visits"]
    edges = col["histogram"]["edges"]

    assert col["dtype"] == "int64"
    assert all(isinstance(v, int) for v in col["sample"])
    assert edges[1:4] == [0.5, 1.5, 2.5]
    assert isinstance(col["min"], int)


def test_profile_counts_categories_exactly(
    training_parquet: Path, training_profile: dict[str, Any]
) -> None:
    table = pq.read_table(training_parquet)
    col = training_profile["columns"]["c5"]
    values, counts = np.unique(
        table.column("c5").to_numpy(zero_copy_only=False), return_counts=True
    )

    assert col["top"] == dict(zip(values.tolist(), counts.tolist(), strict=True))
    assert col["distinct"] == 13
    assert col["other"] == 0
    flag = training_profile["columns"]["flag"]
    assert flag["top"]["true"] + flag["top"]["false"] == 100_000


def test_profile_keeps_only_top_k_and_counts_the_rest_as_other(tmp_path: Path) -> None:
    path = tmp_path / "many.parquet"
    values = [f"v{i % 30:02d}" for i in range(3000)] + ["v00"] * 100
    pq.write_table(pa.table({"c": values}), path)

    col = profile_table(path, top_k=5)["columns"]["c"]

    assert len(col["top"]) == 5
    assert col["top"]["v00"] == 200
    assert col["other"] == 3100 - sum(col["top"].values())
    assert col["distinct"] == 30


def test_profile_is_deterministic_and_survives_toml(training_parquet: Path) -> None:
    first = profile_table(training_parquet)
    again = profile_table(training_parquet)
    other_seed = profile_table(training_parquet, seed=1)

    assert first == again
    assert dumps(first) == dumps(again)
    assert loads(dumps(first), where="profile.toml") == first
    assert other_seed["columns"]["x0"]["sample"] != first["columns"]["x0"]["sample"]
    assert other_seed["columns"]["c0"] == first["columns"]["c0"]


def test_profile_is_the_same_from_csv_jsonl_and_parquet(tmp_path: Path) -> None:
    table = make_table(3, 25_000)
    pq.write_table(table, tmp_path / "d.parquet")
    pacsv.write_csv(table, tmp_path / "d.csv")
    with (tmp_path / "d.jsonl").open("w") as handle:
        for row in table.to_pylist():
            handle.write(json.dumps(row) + "\n")

    profiles = [profile_table(tmp_path / f"d.{ext}") for ext in ("parquet", "csv", "jsonl")]

    assert [p.pop("format") for p in profiles] == ["parquet", "csv", "jsonl"]
    assert profiles[0] == profiles[1] == profiles[2]


def test_profile_second_pass_equals_the_cached_counts(
    training_parquet: Path, training_profile: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(profile_module, "CACHE_BYTES", 0)

    assert profile_table(training_parquet) == training_profile


def test_profile_small_file_uses_the_reservoir_for_exact_counts(tmp_path: Path) -> None:
    path = tmp_path / "small.csv"
    path.write_text("x\n" + "\n".join(str(v) for v in [3.5, 1.0, 2.0, 2.0, 10.0, None]) + "\n")

    col = profile_table(path)["columns"]["x"]

    assert (col["count"], col["missing"]) == (5, 1)
    assert col["sample"] == [1.0, 2.0, 2.0, 3.5, 10.0]
    assert sum(col["histogram"]["counts"]) == 5
    assert col["histogram"]["edges"] == [1.0, 1.5, 2.75, 6.75, 10.0]


def test_profile_classifies_text_datetime_and_empty_columns(tmp_path: Path) -> None:
    rows = 3000
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    table = pa.table(
        {
            "id": [f"user-{i:06d}" for i in range(rows)],
            "note": [
                "a fairly long free text note that goes on and on, " * 2 + str(i % 3)
                for i in range(rows)
            ],
            "when": pa.array(
                [start + dt.timedelta(hours=i) for i in range(rows)], pa.timestamp("us", "UTC")
            ),
            "day": pa.array([dt.date(2024, 1, 1) + dt.timedelta(days=i % 10) for i in range(rows)]),
            "nothing": pa.nulls(rows),
        }
    )
    path = tmp_path / "mixed.parquet"
    pq.write_table(table, path)

    cols = profile_table(path)["columns"]

    assert cols["id"]["type"] == "text"
    assert cols["id"]["distinct"] == rows
    assert cols["id"]["length"] == {"min": 11, "max": 11, "mean": 11.0}
    assert cols["note"]["type"] == "text"
    assert cols["when"]["type"] == "datetime"
    assert cols["when"]["min"] == "2024-01-01T00:00:00+00:00"
    assert cols["day"]["max"] == "2024-01-10"
    assert cols["nothing"] == {
        "position": 4,
        "type": "null",
        "dtype": "null",
        "count": 0,
        "missing": rows,
    }


def test_profile_estimates_distinct_values_beyond_the_exact_cap(tmp_path: Path) -> None:
    rows = 60_000
    keys = [f"k{(i - i // 5) * 7919 % 25_000}" if i % 5 else "hot" for i in range(rows)]
    path = tmp_path / "wide.parquet"
    pq.write_table(pa.table({"k": keys}), path, row_group_size=5_000)

    col = profile_table(path, top_k=3)["columns"]

    assert col["k"]["type"] == "categorical"
    assert col["k"]["distinct"] == pytest.approx(25_000, rel=0.1)
    assert col["k"]["top"]["hot"] == 12_000
    assert col["k"]["other"] == rows - sum(col["k"]["top"].values())


def test_string_hashes_are_stable_across_slices_and_distinct_for_distinct_strings() -> None:
    from gitml.tabular._accum import string_hashes

    values = pa.array(["", "a", "ab", "ba", None, "", "a" * 99 + "b", "a" * 100])
    hashes = string_hashes(values)
    many = string_hashes(pa.array([f"user-{i}" for i in range(200_000)]))

    assert hashes.size == 7
    assert hashes[0] == hashes[4]
    assert len(set(hashes.tolist())) == 6
    assert string_hashes(values.slice(2, 3)).tolist() == hashes[2:4].tolist()
    assert np.unique(many).size == 200_000


def test_profile_rejects_bad_options_and_ragged_csv(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("a,b\n1,2\n3\n")

    with pytest.raises(UsageError, match="bins >= 1"):
        profile_table(path, bins=0)
    with pytest.raises(InvalidRecord, match=r"r\.csv: line 3: expected 2 fields, found 1"):
        profile_table(path)


def test_profile_schema_is_valid_and_rejects_incomplete_columns(
    training_profile: dict[str, Any],
) -> None:
    from jsonschema import Draft202012Validator

    schemas = dict(iter_schema_files())
    Draft202012Validator.check_schema(schemas["profile"])
    broken = copy.deepcopy(training_profile)
    del broken["columns"]["x0"]["histogram"]
    broken["columns"]["c0"]["colour"] = "red"

    assert find_errors(broken, "profile") == [
        "columns.c0.colour: is not a known field (check the spelling)",
        "columns.x0.histogram: is required",
    ]
