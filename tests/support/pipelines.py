"""Pipelines in real repositories: a project shaped like DVC's get-started one."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.support.core import CliResult, cli, git

GETSTARTED = Path(__file__).resolve().parents[1] / "pipelines" / "getstarted"


ROWS = 1500


def copy_getstarted(path: Path) -> Path:
    """DVC's get-started project and its generated data.xml in a new repository."""
    shutil.copytree(GETSTARTED, path)
    git(path, "init", "-q")
    subprocess.run(
        [sys.executable, "src/generate_data.py", str(ROWS), "7", "data/data.xml"],
        cwd=path,
        check=True,
    )
    return path


def make_getstarted(path: Path) -> Path:
    """``copy_getstarted`` with data.xml added as a gitml dataset, committed."""
    copy_getstarted(path)
    assert cli_in(path, "data", "add", "data/data.xml").exit_code == 0
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "get-started")
    return path


def cli_in(path: Path, *args: str) -> CliResult:
    """``git ml ARGS`` run in-process with ``path`` as the current folder."""
    import os

    here = Path.cwd()
    os.chdir(path)
    try:
        return cli(*args)
    finally:
        os.chdir(here)


def repro_json(root: Path, *args: str) -> dict[str, Any]:
    """``git ml repro --json ARGS`` that must succeed."""
    result = cli_in(root, "repro", "--json", *args)
    assert result.exit_code == 0, result.output
    out: dict[str, Any] = json.loads(result.stdout)
    return out


def actions(outcome: dict[str, Any]) -> dict[str, str]:
    """Stage -> what repro did with it."""
    return {s["stage"]: s["action"] for s in outcome["stages"]}


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
