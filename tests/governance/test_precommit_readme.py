"""The README's ``.pre-commit-config.yaml``, copied as a user would, with the real pre-commit.

Only the ``repo:`` URL is replaced (by a clone of this repository tagged as a release is,
``v`` + the version); the rest of the block is used verbatim: a plain ``pre-commit
install`` must install both hooks, a commit and a push must be checked, and
``pre-commit run --all-files`` must judge the committed stages file, not only the staged
change. pre-commit installs gitml into its own virtualenv, which takes a while.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from gitml import __version__
from tests.support.core import git
from tests.support.governance import commit_all, write_stages

ROOT = Path(__file__).resolve().parents[2]
PRE_COMMIT = shutil.which("pre-commit") or str(Path(sys.executable).parent / "pre-commit")
BLOCK = re.compile(r"```yaml\n(# \.pre-commit-config\.yaml\n.*?)```", re.S)
FINDING = "churn 1.0.0: acc = 0.8 is below the minimum 0.84"


def readme_config() -> str:
    found = BLOCK.search((ROOT / "README.md").read_text("utf-8"))
    assert found, "README.md has no .pre-commit-config.yaml block"
    return found.group(1)


def test_the_readme_config_installs_both_hooks_from_this_release() -> None:
    doc = yaml.safe_load(readme_config())
    assert doc["default_install_hook_types"] == ["pre-commit", "pre-push"]
    (repo,) = doc["repos"]
    assert repo["rev"] == f"v{__version__}"
    assert [h["id"] for h in repo["hooks"]] == ["gitml-check", "gitml-check-push"]


def _run(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(args), cwd=cwd, capture_output=True, text=True, env={**os.environ, **env}, check=False
    )


def _released_clone(tmp_path: Path) -> Path:
    """This repository's HEAD, cloned and tagged as its release is."""
    clone = tmp_path / "gitml-release"
    git(tmp_path, "clone", "-q", "--no-hardlinks", str(ROOT), str(clone))
    git(clone, "tag", f"v{__version__}")
    return clone


@pytest.mark.slow
def test_the_readme_config_works_when_copied(governed: Path, tmp_path: Path) -> None:
    config = readme_config()
    (url,) = re.findall(r"^\s+- repo: (\S+)$", config, re.M)
    (governed / ".pre-commit-config.yaml").write_text(
        config.replace(url, str(_released_clone(tmp_path)))
    )
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(governed, "remote", "add", "origin", str(remote))
    commit_all(governed, "Use pre-commit")
    env = {"PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}

    installed = _run(governed, env, PRE_COMMIT, "install")
    assert installed.returncode == 0, installed.stderr
    for hook in ("pre-commit", "pre-push"):
        assert "pre-commit" in (governed / ".git" / "hooks" / hook).read_text(), hook

    write_stages(governed, {"churn": {"production": "1.0.0"}})
    git(governed, "add", ".gitml/stages.toml")
    blocked = _run(governed, env, "git", "commit", "-m", "Promote churn 1.0.0")
    assert blocked.returncode != 0
    assert FINDING in blocked.stdout + blocked.stderr

    # Committed past the hook: only a check of the whole repository sees it now.
    commit_all(governed, "Promote churn 1.0.0 anyway", "-c", "core.hooksPath=/dev/null")
    staged_only = _run(governed, env, PRE_COMMIT, "run")
    assert staged_only.returncode == 0, staged_only.stdout + staged_only.stderr
    everything = _run(governed, env, PRE_COMMIT, "run", "--all-files")
    assert everything.returncode != 0, everything.stdout
    assert FINDING in everything.stdout + everything.stderr

    write_stages(governed, {"churn": {"production": "1.2.0"}})
    git(governed, "add", ".gitml/stages.toml")
    passed = _run(governed, env, "git", "commit", "-m", "Promote churn 1.2.0")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert _run(governed, env, PRE_COMMIT, "run", "--all-files").returncode == 0

    pushed = _run(governed, env, "git", "push", "-q", "origin", "main")
    assert pushed.returncode == 0, pushed.stdout + pushed.stderr
    assert re.search(r"gitml check \(push\)\.+Passed", pushed.stdout + pushed.stderr)
