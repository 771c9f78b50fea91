"""Governance fixtures: a gitml project with three registered versions and a policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import git
from tests.registry.conftest import init_project, register

POLICY = """schema = "gitml/policy/1"

[stage.production]
min_metrics = { acc = 0.84 }
no_regression = { acc = 0.0 }
"""


def write_stages(repo: Path, assignments: dict[str, dict[str, str]]) -> None:
    """Edit ``.gitml/stages.toml`` by hand (as a user skipping `git ml promote` would)."""
    lines = ['schema = "gitml/stages/1"', "", "[models]"]
    for model, stages in sorted(assignments.items()):
        lines.append(f"[models.{model}]")
        lines += [f'{stage} = "{version}"' for stage, version in sorted(stages.items())]
    (repo / ".gitml" / "stages.toml").write_text("\n".join(lines) + "\n")


def commit_all(repo: Path, message: str, *extra: str) -> str:
    git(repo, "add", "-A")
    git(repo, *extra, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


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
