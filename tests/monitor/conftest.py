"""A registered model version trained on a profiled 100k x 20 table, and serving batches."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from tests.support.core import cli, git
from tests.support.monitor import ROWS, make_frame, write_csv
from tests.support.registry import init_project


@pytest.fixture(scope="session")
def frames(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Training data and serving batches as CSV files (made once per session)."""
    base = tmp_path_factory.mktemp("frames")
    return {
        "train": write_csv(make_frame(ROWS, 1), base / "train.csv"),
        "clean": write_csv(make_frame(ROWS, 2), base / "clean.csv"),
        "clean3": write_csv(make_frame(ROWS, 3), base / "clean3.csv"),
        "drifted": write_csv(make_frame(ROWS, 4, shift=0.5, new_share=0.05), base / "drifted.csv"),
    }


@pytest.fixture
def model(in_repo: Path, frames: dict[str, Path]) -> Path:
    """``churn`` 1.0.0 from a real ``git ml run`` on ``train.csv`` added with ``git ml data add``."""
    init_project(in_repo)
    shutil.copy(frames["train"], in_repo / "train.csv")
    added = cli("data", "add", "train.csv", "--json")
    assert added.exit_code == 0, added.stderr
    assert json.loads(added.stdout)["profiled"] == ["train.csv"]
    git(in_repo, "add", ".gitml", ".gitignore")
    git(in_repo, "commit", "-q", "-m", "Track the training data")
    code = "import json; open('model.bin', 'w').write('w'); json.dump({'acc': 0.9}, open('m.json', 'w'))"
    ran = cli(
        "run", "-n", "train", "-M", "m.json", "-o", "model.bin", "--", sys.executable, "-c", code
    )
    assert ran.exit_code == 0, ran.stderr
    result = cli("model", "register", "churn", "--run", "train", "--version", "1.0.0", "--json")
    assert result.exit_code == 0, result.stderr
    assert list(json.loads(result.stdout)["inputs"]) == ["train.csv"]
    return in_repo
