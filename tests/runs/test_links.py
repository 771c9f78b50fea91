"""Runs stay attached to their code through amend, rebase and squash merges."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.core import cli, git


def commit_file(repo: Path, name: str, text: str, message: str) -> str:
    (repo / name).write_text(text)
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def record_run(name: str) -> str:
    result = cli("run", "-n", name, "--", sys.executable, "-c", "pass")
    assert result.exit_code == 0, result.stderr
    return json.loads(cli("show", name, "--json").stdout)["id"]


def runs_on(commit: str) -> set[str]:
    result = cli("ls", "--commit", commit, "--json", "--limit", "0")
    assert result.exit_code == 0, result.stderr
    return {run["name"] for run in json.loads(result.stdout)}


@pytest.fixture
def hooked(in_repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bindir = str(Path(sys.executable).parent)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("GIT_AUTHOR_DATE", "")
    monkeypatch.delenv("GIT_AUTHOR_DATE")
    monkeypatch.delenv("GIT_COMMITTER_DATE")
    assert cli("init", "--hooks").exit_code == 0
    git(in_repo, "add", ".gitml")
    git(in_repo, "commit", "-q", "-m", "gitml")
    return in_repo


def test_amend_keeps_runs_on_the_new_commit(hooked: Path) -> None:
    old = commit_file(hooked, "train.py", "print(1)\n", "train")
    record_run("before-amend")
    git(hooked, "commit", "-q", "--amend", "-m", "train (amended)")
    new = git(hooked, "rev-parse", "HEAD").strip()
    assert new != old
    assert runs_on(new) == {"before-amend"}
    assert "before-amend" in git(hooked, "notes", "--ref=gitml", "show", new)
    assert git(hooked, "fsck", "--strict", "--no-dangling").strip() == ""


def test_rebase_keeps_runs_on_rebased_commits(hooked: Path) -> None:
    git(hooked, "checkout", "-q", "-b", "feature")
    commit_file(hooked, "a.py", "a\n", "a")
    record_run("on-a")
    commit_file(hooked, "b.py", "b\n", "b")
    record_run("on-b")
    git(hooked, "checkout", "-q", "main")
    commit_file(hooked, "other.py", "o\n", "other")
    git(hooked, "checkout", "-q", "feature")
    git(hooked, "rebase", "-q", "main")
    assert runs_on("HEAD") == {"on-b"}
    assert runs_on("HEAD~1") == {"on-a"}
    assert runs_on("HEAD~2") == set()


def test_relink_finds_squash_merge_made_elsewhere(in_repo: Path) -> None:
    git(in_repo, "checkout", "-q", "-b", "feature")
    commit_file(in_repo, "a.py", "a\n", "a")
    record_run("first")
    commit_file(in_repo, "b.py", "b\n", "b")
    record_run("second")
    git(in_repo, "checkout", "-q", "main")
    commit_file(in_repo, "other.py", "o\n", "other")
    git(in_repo, "merge", "-q", "--squash", "feature")
    git(in_repo, "commit", "-q", "-m", "feature (squashed)")
    git(in_repo, "branch", "-q", "-D", "feature")
    squash = git(in_repo, "rev-parse", "HEAD").strip()
    assert runs_on(squash) == set()
    dry = cli("relink", "--dry-run", "--json")
    assert dry.exit_code == 0, dry.stderr
    assert {link["kind"] for link in json.loads(dry.stdout)["links"]} == {"squash"}
    assert runs_on(squash) == set()
    result = cli("relink")
    assert result.exit_code == 0, result.stderr
    assert "linked 2 rewritten commit(s)" in result.stderr
    assert runs_on(squash) == {"first", "second"}
    assert "second" in git(in_repo, "notes", "--ref=gitml", "show", squash)
    again = cli("relink", "--json")
    assert again.exit_code == 0, again
    assert json.loads(again.stdout)["links"] == []


def test_relink_finds_rebase_merge_made_elsewhere(in_repo: Path) -> None:
    git(in_repo, "checkout", "-q", "-b", "feature")
    commit_file(in_repo, "a.py", "a\n", "a")
    record_run("ran-on-a")
    git(in_repo, "checkout", "-q", "main")
    commit_file(in_repo, "other.py", "o\n", "other")
    git(in_repo, "cherry-pick", "feature")
    git(in_repo, "branch", "-q", "-D", "feature")
    assert cli("relink").exit_code == 0
    assert runs_on("HEAD") == {"ran-on-a"}


def test_ls_commit_rejects_unknown_revision(in_repo: Path) -> None:
    result = cli("ls", "--commit", "no-such-rev")
    assert result.exit_code == 1
    assert result.stderr == "error: 'no-such-rev' does not name a commit in this repository\n"


def test_post_rewrite_without_runs_records_nothing(hooked: Path) -> None:
    commit_file(hooked, "x.py", "x\n", "x")
    git(hooked, "commit", "-q", "--amend", "-m", "x2")
    assert "links/" not in git(
        hooked, "ls-tree", "-r", "--name-only", "refs/gitml/runs", check=False
    )
    assert (
        subprocess.run(
            ["git", "rev-parse", "-q", "--verify", "refs/gitml/runs"], cwd=hooked
        ).returncode
        != 0
    )
