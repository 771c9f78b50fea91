"""The monitoring pages over the repository ``git ml demo`` builds (real git ml monitor)."""

from __future__ import annotations

import json
from typing import Any

from tests.support.ui import Served, run_git_ml


def git_ml_json(served: Served, *args: str) -> Any:
    return json.loads(run_git_ml(served.repo, served.env, *args, "--json"))


def test_reports_are_listed_as_monitor_log_lists_them(served_demo: Served) -> None:
    data = served_demo.json("/api/monitor")
    assert data["reports"] == git_ml_json(served_demo, "monitor", "log", "churn")
    assert [r["data"] for r in data["reports"]] == ["serving/tuesday.csv", "serving/monday.csv"]
    assert [r["alert"] for r in data["reports"]] == [True, False]
    assert data["latest"] == data["reports"][:1]


def test_a_model_has_its_findings_and_training_profile(served_demo: Served) -> None:
    data = served_demo.json("/api/monitor/churn")
    latest = data["reports"][0]
    assert latest["id"] == served_demo.json("/api/monitor")["reports"][0]["id"]
    alerting = {f["column"] for f in latest["findings"] if f["alert"]}
    assert "x1" in alerting
    assert latest["alerts"] == sum(f["alert"] for f in latest["findings"])
    training = data["training"][latest["version"]]
    assert training["error"] is None
    assert training["source"].startswith("data/train.csv (xxh3-128:")
    profile = served_demo.json("/api/data/data")["dataset"]["profiles"]["data/train.csv"]
    assert training["columns"] == profile["columns"]


def test_unknown_model_has_no_reports(served_demo: Served) -> None:
    status, _h, body = served_demo.get("/api/monitor/nope")
    assert status == 404
    assert "no monitoring reports for model 'nope'" in json.loads(body)["error"]["message"]
    assert served_demo.get("/monitor/nope")[0] == 404
    assert served_demo.get("/monitor/churn")[0] == 200


def test_summary_counts_every_collection(served_demo: Served) -> None:
    summary = served_demo.json("/api/summary")
    assert (summary["datasets"], summary["models"], summary["reports"]) == (1, 1, 2)
