"""``git ml scan``: determinism, batch vs single row, slices and overconfidence."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gitml.errors import ALERT_EXIT
from tests.support.core import cli, git
from tests.support.registry import init_project, record_run

MODELS = """
import random

def good(rows):
    return [1 if r["x"] > 0 else 0 for r in rows]

def noisy(rows):
    return [random.random() for r in rows]

def batchy(rows):
    mean = sum(r["x"] for r in rows) / len(rows)
    return [1 if r["x"] > mean else 0 for r in rows]

def bad_in_rome(rows):
    return [(1 - int(r["x"] > 0)) if r["city"] == "Rome" and r["x"] > 0.5 else int(r["x"] > 0)
            for r in rows]

def overconfident(rows):
    return [0.99 if r["x"] > -0.6 else 0.01 for r in rows]
"""


@pytest.fixture
def scan_project(in_repo: Path) -> Path:
    init_project(in_repo)
    run = record_run(in_repo, metrics={"acc": 0.9})
    assert (
        cli("model", "register", "churn", "--run", run, "--version", "1", "--no-artifact").exit_code
        == 0
    )
    (in_repo / "models_mod.py").write_text(MODELS)
    lines = ["x,city,y"]
    cities = ("Oslo", "Rome", "Lima", "Kyiv")
    for i in range(400):
        x = ((i * 37) % 200 - 100) / 50
        lines.append(f"{x},{cities[i % 4]},{int(x > 0)}")
    (in_repo / "scan.csv").write_text("\n".join(lines) + "\n")
    return in_repo


def _scan(func: str, *extra: str) -> tuple[int, dict[str, Any]]:
    result = cli(
        "scan", "churn:1", "--data", "scan.csv", "--predict", f"models_mod:{func}", *extra, "--json"
    )
    assert result.exit_code in (0, ALERT_EXIT), result.stderr
    return result.exit_code, json.loads(result.stdout)


def _alerts(doc: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f["kind"], f["column"]) for f in doc["findings"] if f["alert"]}


def test_scan_passes_a_deterministic_row_wise_model(scan_project: Path) -> None:
    code, doc = _scan("good", "--label", "y")
    assert (code, _alerts(doc)) == (0, set())
    assert doc["metrics"]["accuracy"] == 1.0
    paths = git(scan_project, "ls-tree", "-r", "--name-only", "refs/gitml/monitor").split()
    assert len(paths) == 1
    assert paths[0].startswith("monitor/churn/1/")
    assert 'kind = "scan"' in git(scan_project, "show", f"refs/gitml/monitor:{paths[0]}")


def test_scan_flags_a_nondeterministic_model(scan_project: Path) -> None:
    code, doc = _scan("noisy")
    assert code == ALERT_EXIT
    assert ("determinism", "(model)") in _alerts(doc)


def test_scan_flags_batch_dependent_predictions(scan_project: Path) -> None:
    code, doc = _scan("batchy")
    assert code == ALERT_EXIT
    assert _alerts(doc) == {("consistency", "(model)")}


def test_scan_flags_the_slice_whose_accuracy_drops(scan_project: Path) -> None:
    code, doc = _scan("bad_in_rome", "--label", "y")
    assert code == ALERT_EXIT
    alerts = _alerts(doc)
    assert ("slice", "city") in alerts
    rome = [f for f in doc["findings"] if f["alert"] and f["column"] == "city"]
    assert [f["message"].split(" (")[0].split(" on ")[1] for f in rome] == ["city = Rome"]


def test_scan_flags_overconfident_probabilities(scan_project: Path) -> None:
    code, doc = _scan("overconfident", "--label", "y")
    assert code == ALERT_EXIT
    assert ("calibration", "(model)") in _alerts(doc)


def test_scan_reports_a_bad_predict_spec(scan_project: Path) -> None:
    result = cli("scan", "churn:1", "--data", "scan.csv", "--predict", "models_mod:nope")
    assert result.exit_code == 2
    assert "has no function 'nope'" in result.stderr
