from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from gitml.errors import UsageError
from gitml.records.codec import dumps, loads
from gitml.tabular.drift import DEFAULT_THRESHOLDS, DriftFinding, compare
from gitml.tabular.profile import profile_table
from gitml.tabular.serving import ServingAccumulator
from tests.support.tabular import make_table


def _serve(profile: dict[str, Any], table: Any, chunk: int | None = None) -> ServingAccumulator:
    acc = ServingAccumulator(profile)
    if chunk is None:
        acc.update(table)
    else:
        for batch in table.to_batches(max_chunksize=chunk):
            acc.update(batch)
    return acc


def _alerts(findings: list[DriftFinding]) -> set[str]:
    return {f.column for f in findings if f.alert}


def test_compare_flags_exactly_the_shifted_and_the_new_category_columns(
    training_profile: dict[str, Any],
) -> None:
    serving = make_table(1, 100_000, shift={"x3": 0.5}, new_category={"c2": 0.01})

    findings = compare(training_profile, _serve(training_profile, serving))

    assert _alerts(findings) == {"x3", "c2"}
    shifted = {f.method: f for f in findings if f.column == "x3" and f.alert}
    assert set(shifted) == {"psi", "wasserstein", "jensen_shannon"}
    assert shifted["wasserstein"].value == pytest.approx(0.5, abs=0.05)
    unseen = next(f for f in findings if f.column == "c2" and f.method == "unseen_categories")
    assert unseen.alert
    assert unseen.kind == "schema"
    assert unseen.value == pytest.approx(0.01, abs=0.002)
    assert "'c2_new'" in unseen.message


def test_compare_raises_at_most_one_alert_over_twenty_unshifted_seeds(
    training_profile: dict[str, Any],
) -> None:
    alerts = []
    for seed in range(100, 120):
        findings = compare(training_profile, _serve(training_profile, make_table(seed, 100_000)))
        alerts += [f for f in findings if f.alert]

    assert len(alerts) <= 1, [f.message for f in alerts]


def test_compare_reports_missing_and_retyped_columns_as_skew(
    training_profile: dict[str, Any],
) -> None:
    table = make_table(2, 20_000)
    table = table.drop_columns(["x5"])
    table = table.set_column(
        table.schema.get_field_index("x7"), "x7", pa.array([str(v) for v in range(20_000)])
    )

    findings = compare(training_profile, _serve(training_profile, table))

    skew = {(f.column, f.method) for f in findings if f.alert}
    assert skew == {("x5", "missing_column"), ("x7", "type_changed")}
    assert all(f.kind == "schema" for f in findings if f.alert)
    retyped = next(f for f in findings if f.method == "type_changed")
    assert "double" in retyped.message
    assert "string" in retyped.message


def test_compare_reports_new_columns_without_alerting_by_default(
    training_profile: dict[str, Any],
) -> None:
    table = make_table(3, 5_000).append_column("extra", pa.array([1.0] * 5_000))

    findings = compare(training_profile, _serve(training_profile, table))
    loud = compare(training_profile, _serve(training_profile, table), {"new_column": 0.0})

    new = [f for f in findings if f.method == "new_column"]
    assert [(f.column, f.alert) for f in new] == [("extra", False)]
    assert _alerts(loud) == {"extra"}


def test_compare_flags_null_rate_change(training_profile: dict[str, Any]) -> None:
    table = make_table(4, 20_000)
    values = table.column("x8").combine_chunks()
    mask = pa.array([i % 10 == 0 for i in range(20_000)])
    table = table.set_column(
        8, "x8", pa.compute.if_else(mask, pa.scalar(None, pa.float64()), values)
    )

    findings = compare(training_profile, _serve(training_profile, table))

    rate = next(f for f in findings if f.column == "x8" and f.method == "null_rate_change")
    assert rate.alert
    assert rate.value == pytest.approx(0.1, abs=0.005)
    assert _alerts(findings) == {"x8"}


def test_compare_does_not_judge_drift_on_too_few_rows(training_profile: dict[str, Any]) -> None:
    table = make_table(5, 300, shift={"x0": 3.0})

    findings = compare(training_profile, _serve(training_profile, table))

    drift = [f for f in findings if f.column == "x0" and f.kind == "drift"]
    assert drift
    assert all(f.value > f.threshold and not f.alert for f in drift)
    assert all("not judged" in f.message for f in drift)


def test_compare_accumulates_the_same_statistics_in_small_batches(
    training_profile: dict[str, Any],
) -> None:
    table = make_table(6, 30_000, shift={"x1": 0.3})

    whole = compare(training_profile, _serve(training_profile, table))
    streamed = compare(training_profile, _serve(training_profile, table, chunk=977))

    assert whole == streamed


def test_compare_marks_prediction_drift(training_profile: dict[str, Any]) -> None:
    table = make_table(7, 50_000, shift={"x9": 1.0})

    findings = compare(training_profile, _serve(training_profile, table), prediction="x9")

    kinds = {f.kind for f in findings if f.column == "x9" and f.alert}
    assert kinds == {"prediction"}
    with pytest.raises(UsageError, match="'nope' is not in the training profile"):
        compare(training_profile, _serve(training_profile, table), prediction="nope")


def test_compare_applies_column_threshold_overrides(training_profile: dict[str, Any]) -> None:
    table = make_table(8, 50_000, shift={"x3": 0.5})
    acc = _serve(training_profile, table)
    relaxed = {"psi": 5.0, "wasserstein": 5.0, "jensen_shannon": 5.0}

    findings = compare(training_profile, acc, column_thresholds={"x3": relaxed})

    assert _alerts(findings) == set()
    psi = next(f for f in findings if f.column == "x3" and f.method == "psi")
    assert psi.threshold == 5.0
    with pytest.raises(UsageError, match="unknown threshold 'psy'"):
        compare(training_profile, acc, {"psy": 0.2})


def test_compare_p_values_find_the_shift_with_multiple_testing_correction(
    training_profile: dict[str, Any],
) -> None:
    table = make_table(9, 100_000, shift={"x3": 0.5})

    findings = compare(training_profile, _serve(training_profile, table), p_values=True)

    tests = [f for f in findings if f.method in ("ks", "chi_squared")]
    assert {f.method for f in tests} == {"ks", "chi_squared"}
    assert len(tests) == 20
    ks = next(f for f in tests if f.column == "x3")
    assert ks.alert
    assert ks.value < 1e-10
    assert ks.threshold == DEFAULT_THRESHOLDS["p_value"]
    assert "adjusted" in ks.message


def test_compare_streams_a_csv_with_training_dtypes(
    tmp_path: Path, training_profile: dict[str, Any]
) -> None:
    table = make_table(10, 20_000)
    digits = pa.array(["c0_0"] * 10 + ["7"] * 19_990)
    train = tmp_path / "train.csv"
    serve = tmp_path / "serve.csv"
    pacsv.write_csv(pa.table({"code": digits, "n": pa.array(range(20_000))}), train)
    pacsv.write_csv(
        pa.table({"code": pa.array(["7"] * 20_000), "n": pa.array([0.5] * 20_000)}), serve
    )
    pacsv.write_csv(table, tmp_path / "same.csv")

    profile = profile_table(train)
    findings = compare(profile, serve)

    assert not any(f.method == "type_changed" for f in findings)
    assert _alerts(compare(training_profile, tmp_path / "same.csv")) == set()


def test_compare_works_on_a_profile_read_back_from_toml(training_profile: dict[str, Any]) -> None:
    stored = loads(dumps(training_profile), where="profile.toml")
    table = make_table(11, 50_000, shift={"x6": 0.5})

    findings = compare(stored, _serve(stored, table))

    assert findings == compare(training_profile, _serve(training_profile, table))
    report = {"findings": [_as_dict(f) for f in findings]}
    assert loads(dumps(report), where="report.toml") == report


def _as_dict(finding: DriftFinding) -> dict[str, Any]:
    return {name: getattr(finding, name) for name in finding.__slots__}


def test_compare_handles_constant_and_empty_columns(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    path = tmp_path / "const.parquet"
    pq.write_table(pa.table({"k": [5.0] * 3000, "n": pa.nulls(3000, pa.float64())}), path)
    profile = profile_table(path)
    moved = pa.table({"k": [5.0] * 1500 + [6.0] * 1500, "n": [1.0] * 3000})
    empty = pa.table({"k": pa.array([], pa.float64()), "n": pa.array([], pa.float64())})

    findings = compare(profile, _serve(profile, moved))
    nothing = compare(profile, _serve(profile, empty))

    alerts = {(f.column, f.method): f for f in findings if f.alert}
    assert set(alerts) == {("k", "wasserstein"), ("n", "null_rate_change")}
    assert alerts["k", "wasserstein"].value == 0.5
    assert "not normalized" in alerts["k", "wasserstein"].message
    assert [f for f in nothing if f.alert] == []
