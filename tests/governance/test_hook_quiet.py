"""Installed hooks say nothing when a commit passes (and still speak when one fails)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.core import cli, git


def commit(repo: Path, message: str) -> subprocess.CompletedProcess[str]:
    bindir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": f"{bindir}:/usr/bin:/bin"}
    return subprocess.run(
        ["git", "commit", "-q", "-m", message], cwd=repo, capture_output=True, text=True, env=env
    )


def test_pre_commit_hook_is_silent_on_success(in_repo: Path) -> None:
    assert cli("init", "--hooks").exit_code == 0
    git(in_repo, "add", ".gitml")
    gitml_files = commit(in_repo, "gitml")
    assert (gitml_files.returncode, gitml_files.stdout, gitml_files.stderr) == (0, "", "")
    (in_repo / "notes.txt").write_text("unrelated\n")
    git(in_repo, "add", "notes.txt")
    unrelated = commit(in_repo, "notes")
    assert (unrelated.returncode, unrelated.stdout, unrelated.stderr) == (0, "", "")
    (in_repo / "weights.bin").write_bytes(b"\0" * (6 * 1024 * 1024))
    git(in_repo, "add", "weights.bin")
    refused = commit(in_repo, "weights")
    assert refused.returncode == 1
    assert "weights.bin: check.max_git_file_mb" in refused.stderr
