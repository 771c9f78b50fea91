"""``git ml monitor`` end to end: lineage to the stored profile, alerts, reports, log."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from gitml.errors import ALERT_EXIT
from tests.support.core import cli, git
from tests.support.monitor import alerted, make_frame, monitor_json, write_csv


def test_monitor_flags_exactly_the_shifted_and_new_category_columns(
    model: Path, frames: dict[str, Path]
) -> None:
    code, doc = monitor_json("churn:1.0.0", "--data", str(frames["drifted"]))
    assert code == ALERT_EXIT
    assert doc["alert"] is True
    assert (doc["model"], doc["version"], doc["rows"]) == ("churn", "1.0.0", 100_000)
    assert doc["reference"].startswith("train.csv (xxh3-128:")
    assert alerted(doc) == {"n0", "c0"}
    methods = {(f["column"], f["method"]) for f in doc["findings"] if f["alert"]}
    assert ("c0", "unseen_categories") in methods
    assert ("n0", "wasserstein") in methods
    assert all(f["alert"] for f in doc["findings"][: len(methods)])
    keys = {"column", "kind", "method", "value", "threshold", "alert"}
    assert all(keys <= set(f) for f in doc["findings"])


def test_monitor_passes_unshifted_serving_data(model: Path, frames: dict[str, Path]) -> None:
    for name in ("clean", "clean3"):
        code, doc = monitor_json("churn:1.0.0", "--data", str(frames[name]))
        assert (code, doc["alert"], alerted(doc)) == (0, False, set())


def test_monitor_reports_missing_and_retyped_columns_as_schema_skew(
    model: Path, tmp_path: Path
) -> None:
    table = make_frame(5000, 7).drop(["n3"])
    table = table.set_column(table.schema.get_field_index("n4"), "n4", pa.array(["x"] * 5000))
    code, doc = monitor_json("churn:1.0.0", "--data", str(write_csv(table, tmp_path / "s.csv")))
    assert code == ALERT_EXIT
    skew = {(f["column"], f["method"]): f for f in doc["findings"] if f["kind"] == "schema"}
    assert skew[("n3", "missing_column")]["alert"]
    assert "not in the serving data" in skew[("n3", "missing_column")]["message"]
    assert skew[("n4", "type_changed")]["alert"]
    assert "numeric" in skew[("n4", "type_changed")]["message"]
    assert alerted(doc) == {"n3", "n4"}


def test_monitor_stores_reports_and_log_lists_them(model: Path, frames: dict[str, Path]) -> None:
    monitor_json("churn", "--data", str(frames["clean"]))
    monitor_json("churn:1.0.0", "--data", str(frames["drifted"]))
    paths = git(model, "ls-tree", "-r", "--name-only", "refs/gitml/monitor").split()
    assert len(paths) == 2
    assert all(p.startswith("monitor/churn/1.0.0/") for p in paths)
    result = cli("monitor", "log", "churn", "--json")
    assert result.exit_code == 0, result.stderr
    log = json.loads(result.stdout)
    assert [r["alert"] for r in log] == [True, False]
    human = cli("monitor", "log", "churn")
    assert human.exit_code == 0, human
    assert "ALERT" in human.stdout
    assert "ok" in human.stdout


def test_monitor_markdown_and_table_output(model: Path, frames: dict[str, Path]) -> None:
    md = cli("monitor", "churn:1.0.0", "--data", str(frames["drifted"]), "--format", "markdown")
    assert md.exit_code == ALERT_EXIT
    assert md.stdout.startswith("### monitor churn:1.0.0: **ALERT**")
    assert "| ⚠ | drift | `n0` | wasserstein |" in md.stdout
    table = cli("monitor", "churn:1.0.0", "--data", str(frames["clean"]), "--no-save")
    assert table.exit_code == 0
    assert table.stdout.splitlines()[0].split()[:3] == ["alert", "kind", "column"]
    assert "ok" in table.stderr
    assert len(git(model, "ls-tree", "-r", "--name-only", "refs/gitml/monitor").split()) == 1


def test_monitor_performance_drop_against_training_metrics(model: Path, tmp_path: Path) -> None:
    rows = 2000
    labels = [i % 2 for i in range(rows)]
    good = {"y": labels, "pred": labels}
    bad = {"y": labels, "pred": [v if i % 5 else 1 - v for i, v in enumerate(labels)]}
    for name, cols, expect in (("good", good, 0), ("bad", bad, ALERT_EXIT)):
        path = tmp_path / f"{name}.csv"
        pacsv.write_csv(pa.table(cols), path)
        code, doc = monitor_json(
            "churn:1.0.0",
            "--data",
            str(path),
            "--reference",
            str(path),
            "--label",
            "y",
            "--prediction",
            "pred",
        )
        perf = [f for f in doc["findings"] if f["kind"] == "performance"]
        assert [(f["column"], f["method"]) for f in perf] == [("acc", "accuracy")]
        assert code == expect
        assert perf[0]["alert"] is bool(expect)
    assert doc["metrics"]["accuracy"] == 0.8


def test_monitor_policy_thresholds_and_column_overrides(
    model: Path, frames: dict[str, Path]
) -> None:
    policy = model / ".gitml" / "policy.toml"
    policy.write_text(
        'schema = "gitml/policy/1"\n'
        "[monitor.thresholds]\nunseen_share = 0.1\n"
        "[monitor.columns.n0]\npsi = 5.0\nwasserstein = 5.0\njensen_shannon = 1.0\n"
        "[monitor.columns.c0]\njensen_shannon = 0.5\n"
    )
    code, doc = monitor_json("churn:1.0.0", "--data", str(frames["drifted"]))
    assert (code, alerted(doc)) == (0, set()), [f for f in doc["findings"] if f["alert"]]
