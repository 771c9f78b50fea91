"""Runs tests: a small ML project in a real repository, and a real ``git ml`` on PATH."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.core import git

ROOT = Path(__file__).resolve().parents[2]


TRAIN = '''\
"""Logistic regression with numpy; params from params.yaml; acc to metrics.json."""
import json
import sys
from pathlib import Path

import numpy as np
import yaml

import gitml

params = yaml.safe_load(Path("params.yaml").read_text())
lr = float(params["train"]["lr"])
epochs = int(params["train"]["epochs"])
rng = np.random.default_rng(0)
x = rng.normal(size=(200, 2))
y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(float)
w = np.zeros(2)
b = 0.0
for epoch in range(epochs):
    p = 1 / (1 + np.exp(-(x @ w + b)))
    loss = float(-np.mean(y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12)))
    w -= lr * x.T @ (p - y) / len(y)
    b -= lr * float(np.mean(p - y))
    gitml.log_metric("loss", loss, step=epoch)
acc = float(np.mean(((x @ w + b) > 0) == (y > 0.5)))
Path("metrics.json").write_text(json.dumps({"acc": acc}))
print(f"acc={acc:.4f}")
sys.exit(int(params.get("exit_code", 0)))
'''


PARAMS = "train:\n  lr: 0.1\n  epochs: 5\nmodel: logreg\n"


def write_git_ml(bin_dir: Path) -> Path:
    """A ``git-ml`` executable that runs this checkout's gitml with this interpreter."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    script = bin_dir / "git-ml"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m gitml "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return script


def setup_ml_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Environment for subprocesses: this checkout importable, ``git ml`` on PATH."""
    bin_dir = write_git_ml(tmp_path / "bin").parent
    path = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
    pythonpath = f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}".rstrip(os.pathsep)
    monkeypatch.setenv("PATH", path)
    monkeypatch.setenv("PYTHONPATH", pythonpath)
    return dict(os.environ)


def make_project(repo: Path) -> Path:
    """Commit a numpy training project (train.py + params.yaml), metrics.json ignored."""
    (repo / "train.py").write_text(TRAIN)
    (repo / "params.yaml").write_text(PARAMS)
    (repo / ".gitignore").write_text("metrics.json\n__pycache__/\n")
    git(repo, "add", "train.py", "params.yaml", ".gitignore")
    git(repo, "commit", "-q", "-m", "trainer")
    return repo


def git_ml(
    cwd: Path, *args: str, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real ``git ml`` (through git, as a user would)."""
    proc = subprocess.run(
        ["git", "ml", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"git ml {' '.join(args)} -> {proc.returncode}\n{proc.stderr}")
    return proc
