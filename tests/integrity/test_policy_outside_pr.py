"""Policy is enforced outside the PR check too, and `git ml push` says what it cannot send.

A violation committed past the hooks (--no-verify) is found by `check --all` and by
`pre-commit run --all-files`; `git ml push` (which pushes with --no-verify) runs the
pre-push checks itself; without a data remote it says how much data stays behind.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gitml.records import codec
from gitml.storage.collection import shard_of
from tests.support.core import cli, git
from tests.support.governance import commit_all, write_stages
from tests.support.integrity import id_at, ok, tip
from tests.support.registry import init_project

ROOT = Path(__file__).resolve().parents[2]
PRE_COMMIT = shutil.which("pre-commit") or str(Path(sys.executable).parent / "pre-commit")
BELOW = "churn 1.0.0: acc = 0.8 is below the minimum 0.84"


@pytest.fixture
def violated(governed: Path) -> Path:
    """`governed` with 1.0.0 (acc 0.8, policy minimum 0.84) put in production by a commit
    made with --no-verify."""
    write_stages(governed, {"churn": {"production": "1.0.0"}})
    git(governed, "add", "-A")
    git(governed, "commit", "-q", "--no-verify", "-m", "Sneak 1.0.0 into production")
    return governed


def test_check_all_judges_the_committed_stages_against_the_policy(violated: Path) -> None:
    result = cli("check", "--all")
    assert result.exit_code == 1
    assert BELOW in result.stderr
    assert "1 promotion(s)" in result.stderr


def test_pre_commit_all_files_finds_the_committed_violation(violated: Path, tmp_path: Path) -> None:
    rev = git(ROOT, "rev-parse", "HEAD").strip()
    (violated / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {ROOT}\n  rev: {rev}\n  hooks:\n  - id: gitml-check\n"
    )
    git(violated, "add", ".pre-commit-config.yaml")
    git(violated, "commit", "-q", "--no-verify", "-m", "Use pre-commit")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    proc = subprocess.run(
        [PRE_COMMIT, "run", "--all-files"],
        cwd=violated,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert BELOW in proc.stdout + proc.stderr


def test_git_ml_push_runs_the_pre_push_checks_itself(
    seeded_remote: Path, repo_with_commit: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo_with_commit)
    init_project(repo_with_commit)
    ok("run", "-n", "fine", "--", "true")
    from gitml.storage import RUNS_REF
    from gitml.storage.collection import Collection
    from gitml.storage.repo import open_repo

    bad_id = id_at(0)
    runs = Collection(open_repo(repo_with_commit), RUNS_REF, "runs")
    runs.put(
        f"runs/{shard_of(bad_id)}/{bad_id}.toml",
        codec.dump_bytes({"id": bad_id, "note": "no schema"}),
        "a record written by hand",
    )
    result = cli("push", "--no-data")
    assert result.exit_code == 1
    assert "not pushing to 'origin'" in result.stderr
    assert bad_id in result.stderr
    assert "schema: is required" in result.stderr
    assert tip(seeded_remote, RUNS_REF) == ""


def test_push_without_a_data_remote_says_how_much_data_stays(
    seeded_remote: Path, repo_with_commit: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo_with_commit)
    init_project(repo_with_commit)
    (repo_with_commit / "train.csv").write_text("a,b\n1,2\n3,4\n")
    ok("data", "add", "train.csv")
    commit_all(repo_with_commit, "Track the training data")
    ok("run", "-i", "train.csv", "-o", "model.bin", "--", "sh", "-c", "echo m > model.bin")
    result = cli("push")
    assert result.exit_code == 0, result.stderr
    assert "data not pushed: no data remote is configured" in result.stderr
    assert "data object(s) the records reference" in result.stderr
    assert "git ml data remote add" in result.stderr
    assert tip(seeded_remote, "refs/gitml/runs") != ""
