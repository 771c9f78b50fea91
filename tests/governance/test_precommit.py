"""With the real `pre-commit` tool: `gitml-check` blocks a bad promotion, lets a good one in.

pre-commit installs this checkout (its committed HEAD) into its own virtualenv, which
takes a while; the store lives in a temporary PRE_COMMIT_HOME.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support.core import git
from tests.support.governance import commit_all, write_stages

ROOT = Path(__file__).resolve().parents[2]
PRE_COMMIT = shutil.which("pre-commit") or str(Path(sys.executable).parent / "pre-commit")


def _run(repo: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(args), cwd=repo, capture_output=True, text=True, env={**os.environ, **env}, check=False
    )


def test_pre_commit_blocks_a_promotion_below_threshold_and_lets_a_good_one_in(
    governed: Path, tmp_path: Path
) -> None:
    rev = git(ROOT, "rev-parse", "HEAD").strip()
    (governed / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {ROOT}\n  rev: {rev}\n  hooks:\n  - id: gitml-check\n"
    )
    commit_all(governed, "Use pre-commit")
    env = {"PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    installed = _run(governed, env, PRE_COMMIT, "install")
    assert installed.returncode == 0, installed.stderr

    write_stages(governed, {"churn": {"production": "1.0.0"}})
    git(governed, "add", ".gitml/stages.toml")
    blocked = _run(governed, env, "git", "commit", "-m", "Promote churn 1.0.0")
    assert blocked.returncode != 0
    out = blocked.stdout + blocked.stderr
    assert "churn 1.0.0: acc = 0.8 is below the minimum 0.84" in out, out
    assert "[min_metrics]" in out
    assert git(governed, "log", "-1", "--format=%s").strip() == "Use pre-commit"

    write_stages(governed, {"churn": {"production": "1.2.0"}})
    git(governed, "add", ".gitml/stages.toml")
    passed = _run(governed, env, "git", "commit", "-m", "Promote churn 1.2.0")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert git(governed, "log", "-1", "--format=%s").strip() == "Promote churn 1.2.0"


def test_pre_commit_try_repo_runs_gitml_check_on_staged_promotions(
    governed: Path, tmp_path: Path
) -> None:
    env = {"PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    write_stages(governed, {"churn": {"production": "1.0.0"}})
    git(governed, "add", ".gitml/stages.toml")
    blocked = _run(governed, env, PRE_COMMIT, "try-repo", str(ROOT), "gitml-check")
    out = blocked.stdout + blocked.stderr
    assert blocked.returncode == 1, out
    assert "churn 1.0.0: acc = 0.8 is below the minimum 0.84" in out, out

    write_stages(governed, {"churn": {"production": "1.2.0"}})
    git(governed, "add", ".gitml/stages.toml")
    passed = _run(governed, env, PRE_COMMIT, "try-repo", str(ROOT), "gitml-check")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "gitml check" in passed.stdout
