"""Governance fixtures: a gitml project with three registered versions and a policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.governance import POLICY, commit_all
from tests.support.registry import init_project, register


@pytest.fixture
def governed(in_repo: Path) -> Path:
    """churn 1.0.0 (acc 0.80), 1.1.0 (0.85), 1.2.0 (0.90) and POLICY committed on main."""
    repo = init_project(in_repo)
    register(repo, "1.0.0", 0.80)
    register(repo, "1.1.0", 0.85)
    register(repo, "1.2.0", 0.90)
    (repo / ".gitml" / "policy.toml").write_text(POLICY)
    commit_all(repo, "Add a policy")
    return repo
