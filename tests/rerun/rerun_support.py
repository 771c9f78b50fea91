"""A small deterministic project for ``git ml rerun`` tests, and helpers to record runs."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from tests.support.core import cli, git

TRAIN = """\
import json, os, random, sys
from pathlib import Path

params = json.loads(Path("params.json").read_text())
data = Path("data/train.csv")
size = len(data.read_bytes()) if data.exists() else 0
seed = params["seed"] if os.environ.get("UNSEEDED") is None else None
rng = random.Random(seed)
acc = 0.8 + rng.random() * 0.1 + size * 1e-9 + params.get("shift", 0)
Path("metrics.json").write_text(json.dumps({"acc": acc, "bytes": size}))
print(f"acc={acc}")
sys.exit(int(os.environ.get("TRAIN_EXIT", "0")))
"""

PARAMS = {"seed": 1, "shift": 0.0}


def make_project(repo: Path) -> Path:
    """Commit train.py, params.json and a .gitignore (data/ and metrics.json ignored)."""
    (repo / "train.py").write_text(TRAIN)
    (repo / "params.json").write_text(json.dumps(PARAMS))
    (repo / ".gitignore").write_text("metrics.json\n/data/\n__pycache__/\n")
    git(repo, "add", "train.py", "params.json", ".gitignore")
    git(repo, "commit", "-q", "-m", "trainer")
    return repo


def isolated_project(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``make_project`` with temporary worktrees in ``tmp_path/tmp``, where tests count them."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    return make_project(repo)


def record(*args: str, script: str = "train.py") -> dict[str, Any]:
    """``git ml run -M metrics.json ARGS -- python SCRIPT`` in the cwd; the new run."""
    result = cli("run", "-M", "metrics.json", *args, "--", sys.executable, script)
    assert result.exit_code == 0, result
    return latest()


def latest() -> dict[str, Any]:
    listed = cli("ls", "--all", "--limit", "1", "--json")
    assert listed.exit_code == 0, listed
    runs: list[dict[str, Any]] = json.loads(listed.stdout)
    return runs[0]


def rerun_json(*args: str, code: int = 0) -> dict[str, Any]:
    result = cli("rerun", "--json", *args)
    assert result.exit_code == code, result
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def config(repo: Path, text: str) -> None:
    folder = repo / ".gitml"
    folder.mkdir(exist_ok=True)
    (folder / "config.toml").write_text('schema = "gitml/config/1"\n' + text)
