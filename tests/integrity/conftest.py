"""A shared project: a bare remote, the victim's clone (the cwd) and an attacker's clone."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import cli, git
from tests.integrity.forge import fetch_gitml
from tests.registry.conftest import init_project, record_run


@dataclass(frozen=True)
class Team:
    remote: Path
    victim: Path
    attacker: Path
    runs: list[str]


def ok(*args: str) -> str:
    result = cli(*args)
    assert result.exit_code == 0, f"git ml {' '.join(args)}: {result.stderr}"
    return result.stdout


def run_paths(repo: Path, ref: str = "refs/gitml/runs") -> list[str]:
    out = git(repo, "ls-tree", "-r", "--name-only", ref, check=False)
    return sorted(p for p in out.split() if p.startswith("runs/") and p.endswith(".toml"))


def tip(repo: Path, ref: str) -> str:
    return git(repo, "rev-parse", "-q", "--verify", ref, check=False).strip()


@pytest.fixture
def team(
    seeded_remote: Path, repo_with_commit: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Team:
    """12 runs recorded in the victim's clone and pushed; the attacker holds a copy."""
    victim = repo_with_commit
    monkeypatch.chdir(victim)
    init_project(victim)
    git(victim, "push", "-q", "origin", "HEAD:refs/heads/main")
    runs = [record_run(victim, metrics={"acc": 0.8 + i / 100}, name=f"run-{i}") for i in range(12)]
    ok("push", "--no-data")
    attacker = tmp_path / "attacker"
    git(tmp_path, "clone", "-q", str(seeded_remote), str(attacker))
    fetch_gitml(attacker)
    return Team(seeded_remote, victim, attacker, runs)
