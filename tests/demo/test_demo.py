"""``git ml demo`` runs end to end on its embedded project."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.core import git


def test_demo_runs_every_step(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    proc = subprocess.run(
        [sys.executable, "-m", "gitml", "demo", str(target)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "$ git ml init" in proc.stdout
    assert (target / ".gitml" / "config.toml").is_file()
    assert git(target, "status", "--porcelain", "--untracked-files=no") == ""
    assert "Done." in proc.stdout


def test_demo_refuses_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "x").write_text("keep me")
    proc = subprocess.run(
        [sys.executable, "-m", "gitml", "demo", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert "needs an empty or new folder" in proc.stderr
    assert (tmp_path / "x").read_text() == "keep me"
