"""``git ml rerun`` as a real process: Ctrl-C cleans up, --json keeps stdout pure."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.core import git
from tests.support.runs import git_ml, setup_ml_env

SCRIPT = """\
import json, os, sys, time
from pathlib import Path
Path("metrics.json").write_text(json.dumps({"acc": 0.5}))
print("trained", flush=True)
if os.environ.get("SLOW"):
    print("ready", flush=True)
    time.sleep(60)
"""


@pytest.fixture
def env(repo_with_commit: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    environ = setup_ml_env(tmp_path, monkeypatch)
    temp = tmp_path / "tmp"
    temp.mkdir()
    environ["TMPDIR"] = str(temp)
    (repo_with_commit / "train.py").write_text(SCRIPT)
    (repo_with_commit / ".gitignore").write_text("metrics.json\n")
    git(repo_with_commit, "add", "train.py", ".gitignore")
    git(repo_with_commit, "commit", "-q", "-m", "train")
    git_ml(
        repo_with_commit,
        "run",
        "-n",
        "base",
        "-M",
        "metrics.json",
        "--",
        sys.executable,
        "train.py",
        env=environ,
    )
    return environ


def _slow_rerun(repo: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """``git ml rerun base`` in its own session, stopped inside the command."""
    proc = subprocess.Popen(
        ["git-ml", "rerun", "base"],
        cwd=repo,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**env, "SLOW": "1"},
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == "trained\n"
    assert proc.stdout.readline() == "ready\n"
    return proc


def test_sigint_to_the_process_group_removes_the_worktree(
    repo_with_commit: Path, env: dict[str, str], tmp_path: Path
) -> None:
    proc = _slow_rerun(repo_with_commit, env)
    assert len(list((tmp_path / "tmp").iterdir())) == 1  # the worktree is there meanwhile
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "base: failed" in out
    assert "why: the command interrupted with exit code 130" in out
    assert list((tmp_path / "tmp").iterdir()) == []
    assert git(repo_with_commit, "worktree", "list", "--porcelain").count("worktree ") == 1
    runs = json.loads(git_ml(repo_with_commit, "ls", "--json", env=env).stdout)
    assert runs[0]["status"] == "interrupted"
    assert runs[0]["rerun"]["verdict"] == "failed"


def test_sigterm_to_gitml_alone_also_cleans_up(
    repo_with_commit: Path, env: dict[str, str], tmp_path: Path
) -> None:
    proc = _slow_rerun(repo_with_commit, env)
    proc.terminate()
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 143, err
    assert list((tmp_path / "tmp").iterdir()) == []
    assert git(repo_with_commit, "worktree", "list", "--porcelain").count("worktree ") == 1


def test_json_through_git_keeps_the_commands_output_off_stdout(
    repo_with_commit: Path, env: dict[str, str]
) -> None:
    proc = git_ml(repo_with_commit, "rerun", "base", "--json", env=env)
    data = json.loads(proc.stdout)
    assert data["verdict"] == "reproduced"
    assert "trained\n" in proc.stderr
    assert proc.stderr.startswith("gitml: rerunning ")
