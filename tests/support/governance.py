"""Governance tests: the stages file and commits a promotion check judges."""

from __future__ import annotations

from pathlib import Path

from tests.support.core import git

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
