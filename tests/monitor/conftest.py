"""A registered model version trained on a profiled 100k x 20 table, and serving batches."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from gitml.errors import ALERT_EXIT
from tests.conftest import cli, git
from tests.registry.conftest import init_project

ROWS = 100_000
NUMERIC = 15
CATEGORIES = ("red", "green", "blue", "amber", "violet")


def make_frame(rows: int, seed: int, *, shift: float = 0.0, new_share: float = 0.0) -> Any:
    """15 numeric (n0..n14) and 5 categorical (c0..c4) columns; n0 shifted by ``shift`` sd."""
    import numpy as np
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    cols: dict[str, Any] = {}
    for i in range(NUMERIC):
        values = rng.normal(10.0 * i, 1.0 + i, rows)
        if i == 0:
            values = values + shift * 1.0
        cols[f"n{i}"] = values
    for j in range(5):
        labels = np.array(CATEGORIES)[rng.integers(0, len(CATEGORIES), rows)]
        if j == 0 and new_share:
            labels = np.where(rng.random(rows) < new_share, "ultraviolet", labels)
        cols[f"c{j}"] = labels
    return pa.table(cols)


def write_csv(table: Any, path: Path) -> Path:
    import pyarrow.csv as pacsv

    pacsv.write_csv(table, path)
    return path


def store_profile(repo: Path, data: Path) -> str:
    """Profile ``data`` and store it by content on refs/gitml/data (as `data add` does)."""
    from gitml.records import codec
    from gitml.runs.digests import path_digest
    from gitml.storage import DATA_REF
    from gitml.storage.collection import Collection, wide_shard_of
    from gitml.storage.repo import open_repo
    from gitml.tabular.profile import profile_table

    digest = path_digest(data)
    hexpart = digest.split(":", 1)[1]
    coll = Collection(open_repo(repo), DATA_REF, "data", sharded=False)
    coll.put(
        f"profiles/{wide_shard_of(hexpart)}/{hexpart}.toml",
        codec.dump_bytes(profile_table(data)),
        f"profile of {data.name}",
    )
    return digest


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


def monitor_json(*args: str) -> tuple[int, dict[str, Any]]:
    result = cli("monitor", *args, "--json")
    assert result.exit_code in (0, ALERT_EXIT), result.stderr
    return result.exit_code, json.loads(result.stdout)


def alerted(doc: dict[str, Any]) -> set[str]:
    return {f["column"] for f in doc["findings"] if f["alert"]}
