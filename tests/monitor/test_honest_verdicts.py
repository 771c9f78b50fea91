"""``git ml monitor`` says what it judged: declared columns are not schema skew, the label
is not a feature, messages are whole, and a batch too small to decide is "not judged"."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

import pytest

from gitml.errors import ALERT_EXIT
from tests.support.core import cli, git
from tests.support.registry import init_project

CITIES = ("Oslo", "Rome", "Lima")


def write(path: Path, rows: int, *, seed: int, shift: float = 0.0, pred: bool = False) -> Path:
    rng = random.Random(seed)
    lines = ["x,city,y" + (",pred" if pred else "")]
    for _ in range(rows):
        x = rng.gauss(shift, 1.0)
        y = int(x + rng.gauss(0, 0.5) > 0)
        line = f"{x:.5f},{rng.choice(CITIES)},{y}"
        lines.append(line + (f",{int(x > 0)}" if pred else ""))
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def monitored(in_repo: Path) -> Path:
    init_project(in_repo)
    write(in_repo / "train.csv", 3000, seed=1)
    assert cli("data", "add", "train.csv").exit_code == 0
    git(in_repo, "add", ".gitml", ".gitignore")
    git(in_repo, "commit", "-q", "-m", "data")
    code = (
        "import json; json.dump({'accuracy': 0.8}, open('m.json', 'w'));"
        "open('model.bin', 'w').write('w')"
    )
    ran = cli(
        "run", "-n", "train", "-M", "m.json", "-o", "model.bin", "--", sys.executable, "-c", code
    )
    assert ran.exit_code == 0, ran
    reg = cli("model", "register", "clf", "--run", "train", "--version", "1")
    assert reg.exit_code == 0, reg
    return in_repo


def monitor(*args: str) -> tuple[int, dict[str, Any]]:
    result = cli("monitor", "clf:1", *args, "--json", "--no-save")
    assert result.exit_code in (0, ALERT_EXIT), result
    return result.exit_code, json.loads(result.stdout)


def test_declared_prediction_is_not_new_and_the_label_is_not_a_feature(monitored: Path) -> None:
    write(monitored / "serving.csv", 3000, seed=2, pred=True)
    _code, doc = monitor("--data", "serving.csv", "--prediction", "pred", "--label", "y")
    columns = {(f["column"], f["method"]) for f in doc["findings"]}
    assert ("pred", "new_column") not in columns
    assert not any(column == "y" for column, _ in columns)
    assert any(column == "x" for column, _ in columns)
    assert {f["method"] for f in doc["findings"] if f["kind"] == "performance"} == {"accuracy"}


def test_a_missing_prediction_column_is_an_error_even_without_a_label(monitored: Path) -> None:
    write(monitored / "serving.csv", 3000, seed=2, pred=True)
    result = cli("monitor", "clf:1", "--data", "serving.csv", "--prediction", "nonexistent")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: serving.csv: no column 'nonexistent' (named by --prediction)\n"
    )


def test_a_batch_too_small_to_judge_is_not_called_ok(monitored: Path) -> None:
    write(monitored / "small.csv", 150, seed=3, shift=3.0)
    code, doc = monitor("--data", "small.csv")
    assert code == 0
    over = [f for f in doc["findings"] if f["value"] > f["threshold"] and not f["alert"]]
    assert over
    assert all(f.get("judged") is False and "not judged" in f["message"] for f in over), over
    table = cli("monitor", "clf:1", "--data", "small.csv")
    assert table.exit_code == 0
    verdict = table.stderr.strip().splitlines()[-1]
    assert "not judged:" in verdict
    assert ", ok" not in verdict
    assert "…" not in table.stdout
    psi = next(f for f in doc["findings"] if f["column"] == "x" and f["method"] == "psi")
    assert psi["message"] in table.stdout  # whole, not cut to the column width
    log = cli("monitor", "log", "clf")
    assert log.exit_code == 0, log
    assert "not judged" in log.stdout
