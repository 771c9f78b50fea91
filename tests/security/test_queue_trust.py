"""Queued runs that arrive by ``git ml pull`` are commands from whoever pushed them.

`git ml queue start` runs the entries this clone added; entries added in another clone
are listed and left queued unless the user asks for them with ``--include-pulled``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.core import git
from tests.support.runs import git_ml, make_project, setup_ml_env


@pytest.fixture
def ml_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    return setup_ml_env(tmp_path, monkeypatch)


def _clone_with_pushed_entry(
    project: Path, remote: Path, tmp_path: Path, marker: Path
) -> tuple[Path, Path]:
    """The attacker's clone queues a command that writes ``marker``; the victim pulls."""
    make_project(project)
    git_ml(project, "init")
    git(project, "add", ".gitml")
    git(project, "commit", "-q", "-m", "gitml")
    git(project, "remote", "add", "origin", str(remote))
    git(project, "push", "-q", "origin", "HEAD")
    victim = tmp_path / "victim"
    git(tmp_path, "clone", "-q", str(remote), str(victim))
    code = f"open({str(marker)!r}, 'w').write('ran')"
    git_ml(project, "queue", "add", "-n", "planted", "--", "python", "-c", code)
    git_ml(project, "push", "--no-data")
    git_ml(victim, "pull")
    return project, victim


def _states(repo: Path) -> dict[str, str]:
    entries = json.loads(git_ml(repo, "queue", "status", "--json").stdout)
    return {e["name"]: e["state"] for e in entries}


def test_queue_start_does_not_run_entries_pulled_from_another_clone(
    repo_with_commit: Path, remote: Path, tmp_path: Path, ml_env: dict[str, str]
) -> None:
    marker = tmp_path / "pwned"
    _attacker, victim = _clone_with_pushed_entry(repo_with_commit, remote, tmp_path, marker)
    git_ml(victim, "queue", "add", "-n", "mine", "--", "python", "train.py")

    started = git_ml(victim, "queue", "start", check=False)
    assert not marker.exists(), "a pulled queue entry's command ran without being asked for"
    assert started.returncode == 1
    assert "Traceback" not in started.stderr
    refusal = [line for line in started.stderr.splitlines() if "--include-pulled" in line]
    assert len(refusal) == 1, started.stderr
    assert "planted" in refusal[0]
    assert "1 ran, 0 did not complete" in started.stderr
    assert _states(victim) == {"planted": "queued", "mine": "done"}
    listed = json.loads(git_ml(victim, "queue", "status", "--json").stdout)
    assert {e["name"]: e["pulled"] for e in listed} == {"planted": True, "mine": False}
    assert "queued (pulled)" in git_ml(victim, "queue", "status").stdout

    asked = git_ml(victim, "queue", "start", "--include-pulled")
    assert marker.read_text() == "ran"
    assert "1 ran, 0 did not complete" in asked.stderr
    assert _states(victim) == {"planted": "done", "mine": "done"}


def test_the_clone_that_added_an_entry_runs_it_after_a_round_trip(
    repo_with_commit: Path, remote: Path, tmp_path: Path, ml_env: dict[str, str]
) -> None:
    marker = tmp_path / "ran-here"
    attacker, victim = _clone_with_pushed_entry(repo_with_commit, remote, tmp_path, marker)
    git_ml(victim, "push", "--no-data")
    git_ml(attacker, "pull")
    started = git_ml(attacker, "queue", "start")
    assert marker.read_text() == "ran"
    assert "--include-pulled" not in started.stderr
    assert _states(attacker) == {"planted": "done"}
