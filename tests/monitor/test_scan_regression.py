"""``git ml scan`` of a regression model judges slices by RMSE, as ``monitor`` decides."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gitml.errors import ALERT_EXIT
from tests.support.core import cli
from tests.support.registry import init_project, record_run

MODEL = """
def predict(rows):
    # A wine-quality regressor: good everywhere but in Rome, where it is off by two points.
    return [r["alcohol"] * 0.5 + (2.1 if r["city"] == "Rome" else 0.1) for r in rows]
"""


def project(repo: Path, metrics: dict[str, float]) -> Path:
    init_project(repo)
    run = record_run(repo, metrics=metrics)
    registered = cli("model", "register", "wine", "--run", run, "--version", "1", "--no-artifact")
    assert registered.exit_code == 0, registered
    (repo / "wine_model.py").write_text(MODEL)
    lines = ["alcohol,city,quality"]
    cities = ("Oslo", "Rome", "Lima", "Kyiv")
    for i in range(400):
        alcohol = 8 + 2 * ((i * 7) % 5)
        lines.append(f"{alcohol},{cities[i % 4]},{alcohol // 2}")  # integer scores
    (repo / "holdout.csv").write_text("\n".join(lines) + "\n")
    return repo


def scan() -> tuple[int, dict[str, Any]]:
    result = cli(
        "scan", "wine:1", "--data", "holdout.csv", "--predict", "wine_model:predict",
        "--label", "quality", "--json",
    )  # fmt: skip
    assert result.exit_code in (0, ALERT_EXIT), result
    return result.exit_code, json.loads(result.stdout)


@pytest.mark.parametrize("metrics", [{"rmse": 0.8, "r2": 0.4}, {}], ids=["recorded", "inferred"])
def test_scan_of_a_regressor_scores_rmse_and_flags_the_bad_slice(
    in_repo: Path, metrics: dict[str, float]
) -> None:
    project(in_repo, metrics)
    code, doc = scan()
    assert set(doc["metrics"]) == {"rmse", "mae", "r2"}
    assert doc["metrics"]["rmse"] > 0.5
    slices = [f for f in doc["findings"] if f["kind"] == "slice"]
    assert slices
    assert {f["method"] for f in slices} == {"rmse"}
    alerts = {f["message"].split(" on ")[1].split(" (")[0] for f in slices if f["alert"]}
    assert alerts == {"city = Rome"}
    assert code == ALERT_EXIT
    assert not any("accuracy" in f["message"] for f in doc["findings"])
