"""The training frameworks (``tests/anchors/frameworks.txt``: torch 2.13.0 CPU, Lightning,
Keras on torch, transformers, XGBoost, LightGBM, Optuna, scikit-learn, matplotlib) in a
venv made once and cached, with this checkout's gitml installed on top."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.anchors import anchor_python_or_skip
from tests.support.runs import git_ml, setup_ml_env


@pytest.fixture(scope="session")
def frameworks_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("frameworks") / "venv"
    return anchor_python_or_skip("frameworks", dest, "the training frameworks")


@pytest.fixture
def train(
    frameworks_python: Path,
    repo_with_commit: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Any:
    """``train(script, *git_ml_run_options)``: commit ``train.py``, run it under ``git ml
    run`` with the frameworks' Python, and return every run recorded (by name)."""
    setup_ml_env(tmp_path, monkeypatch)
    monkeypatch.setenv("KERAS_BACKEND", "torch")
    monkeypatch.setenv("TOKENIZERS_PARALLELISM", "false")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")

    def run(script: str, *options: str) -> dict[str, dict[str, Any]]:
        (repo_with_commit / "train.py").write_text(script)
        proc = git_ml(
            repo_with_commit, "run", *options, "--", str(frameworks_python), "train.py",
            check=False,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr[-6000:]
        runs = json.loads(git_ml(repo_with_commit, "ls", "--all", "--json", "--limit", "0").stdout)
        return {r["name"]: r for r in runs}

    return run


def history(repo: Path, run_id: str, metric: str) -> list[list[float]]:
    shown = json.loads(git_ml(repo, "show", run_id, "--json").stdout)
    return shown["history"].get(metric, [])  # type: ignore[no-any-return]


__all__ = ["history", "sys"]
