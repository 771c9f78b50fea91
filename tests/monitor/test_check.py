"""``run_check`` on its own: small training profiles, severity order."""

from __future__ import annotations

from pathlib import Path

from gitml.monitor.check import run_check, severity
from gitml.monitor.thresholds import Limits
from gitml.tabular.profile import profile_table
from tests.support.monitor import make_frame, write_csv


def test_small_training_profile_noise_does_not_alert_but_real_drift_does(
    tmp_path: Path,
) -> None:
    profile = profile_table(write_csv(make_frame(400, 1), tmp_path / "train.csv"))
    alerts = []
    for seed in range(2, 7):
        same = run_check(profile, write_csv(make_frame(2000, seed), tmp_path / "s.csv"), Limits())
        alerts += [f for f in same.findings if f["alert"]]
    assert alerts == []
    moved = make_frame(2000, 9, shift=1.0)
    shifted = run_check(profile, write_csv(moved, tmp_path / "m.csv"), Limits())
    assert {f["column"] for f in shifted.findings if f["alert"]} == {"n0"}


def test_severity_puts_alerts_first_then_by_distance_to_threshold() -> None:
    rows = [
        {
            "column": "a",
            "kind": "drift",
            "method": "psi",
            "value": 0.05,
            "threshold": 0.1,
            "alert": False,
        },
        {
            "column": "b",
            "kind": "drift",
            "method": "psi",
            "value": 0.5,
            "threshold": 0.1,
            "alert": True,
        },
        {
            "column": "c",
            "kind": "drift",
            "method": "psi",
            "value": 0.09,
            "threshold": 0.1,
            "alert": False,
        },
        {
            "column": "d",
            "kind": "schema",
            "method": "missing_column",
            "value": 1.0,
            "threshold": 0.5,
            "alert": True,
        },
    ]
    assert [r["column"] for r in sorted(rows, key=severity)] == ["b", "d", "c", "a"]


def test_regression_performance_against_recorded_rmse(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    ys = [i / 10 for i in range(3000)]
    path = tmp_path / "r.csv"
    pacsv.write_csv(pa.table({"y": ys, "pred": [y + 0.5 for y in ys]}), path)
    profile = profile_table(path)
    out = run_check(
        profile, path, Limits(), prediction="pred", label="y", recorded={"rmse": 0.4, "mae": 0.5}
    )
    assert out.metrics["rmse"] == 0.5
    perf = {f["method"]: f for f in out.findings if f["kind"] == "performance"}
    assert perf["rmse"]["alert"]
    assert perf["rmse"]["value"] == 0.25
    assert not perf["mae"]["alert"]


def test_missing_label_column_is_a_clear_error(tmp_path: Path) -> None:
    import pytest

    from gitml.errors import InvalidRecord

    path = write_csv(make_frame(100, 1), tmp_path / "t.csv")
    with pytest.raises(InvalidRecord, match="no column 'y'"):
        run_check(profile_table(path), path, Limits(), prediction="n1", label="y")
