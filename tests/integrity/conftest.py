"""A shared project: a bare remote, the victim's clone (the cwd) and an attacker's clone."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.governance.conftest import governed
from tests.integrity.forge import fetch_gitml
from tests.support.core import git
from tests.support.integrity import POLICY, Team, ok, publish
from tests.support.registry import init_project, record_run

__all__ = ["governed"]  # the governance fixture, for tests here too


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


@pytest.fixture
def governed_team(team: Team) -> Team:
    """``team`` plus churn 1.0.0 (acc 0.80), 1.1.0 (0.85), 1.2.0 (0.90) and POLICY, pushed."""
    from tests.support.governance import commit_all
    from tests.support.registry import register

    for version, acc in (("1.0.0", 0.80), ("1.1.0", 0.85), ("1.2.0", 0.90)):
        register(team.victim, version, acc)
    (team.victim / ".gitml" / "policy.toml").write_text(POLICY)
    commit_all(team.victim, "Add a policy")
    publish(team)
    return team
