"""``require_signed``: git's own ssh signature verification of the promotion's merge commit."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.core import cli, git
from tests.support.governance import commit_all, write_stages

pytestmark = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen")


def _key(tmp: Path, name: str) -> Path:
    path = tmp / name
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(path)], check=True
    )
    return path


def _merge(repo: Path, *sign: str) -> None:
    git(repo, *sign, "merge", "-q", "--no-ff", "pr", "-m", "Merge pr")


def _promote_on_a_branch(repo: Path, good: Path) -> None:
    """Require promotions signed by ``good`` on main; promote churn 1.2.0 on branch ``pr``."""
    pub = (good.with_suffix(".pub")).read_text().split()
    (repo / ".gitml" / "allowed_signers").write_text(
        f'test@example.com namespaces="git" {pub[0]} {pub[1]}\n'
    )
    with (repo / ".gitml" / "policy.toml").open("a") as fh:
        fh.write('require_signed = true\nallowed_signers = ".gitml/allowed_signers"\n')
    commit_all(repo, "Require signed promotions")
    git(repo, "switch", "-q", "-c", "pr")
    write_stages(repo, {"churn": {"production": "1.2.0"}})
    commit_all(repo, "Promote 1.2.0")


def test_require_signed_refuses_unsigned_and_wrong_keys_and_accepts_an_allowed_key(
    governed: Path, tmp_path: Path
) -> None:
    good, bad = _key(tmp_path, "good"), _key(tmp_path, "bad")
    _promote_on_a_branch(governed, good)
    git(governed, "switch", "-q", "main")

    _merge(governed)
    refused = cli("registry", "apply")
    assert refused.exit_code == 1
    assert "require_signed" in refused.stderr
    assert "is not signed by an allowed key" in refused.stderr
    git(governed, "reset", "-q", "--hard", "HEAD^")

    _merge(
        governed,
        "-c",
        "gpg.format=ssh",
        "-c",
        f"user.signingkey={bad}",
        "-c",
        "commit.gpgsign=true",
    )
    assert "-----BEGIN SSH SIGNATURE-----" in git(governed, "cat-file", "commit", "HEAD")
    wrong = cli("registry", "apply")
    assert wrong.exit_code == 1
    assert "require_signed" in wrong.stderr
    git(governed, "reset", "-q", "--hard", "HEAD^")

    _merge(
        governed,
        "-c",
        "gpg.format=ssh",
        "-c",
        f"user.signingkey={good}",
        "-c",
        "commit.gpgsign=true",
    )
    passed = cli("registry", "apply")
    assert passed.exit_code == 0, passed.stderr
    assert "promote churn 1.2.0 -> production" in passed.stdout


def test_check_all_judges_signatures_as_registry_apply_does(governed: Path, tmp_path: Path) -> None:
    """Under a policy that requires signed promotions, `check --all` judges each pending
    promotion's commit as `registry apply` does, through the same checks: an unsigned
    promotion on a branch, or merged unsigned past the hooks, is named with its commit;
    merged with an allowed key it passes, and applies."""
    good = _key(tmp_path, "good")
    _promote_on_a_branch(governed, good)
    unsigned = git(governed, "rev-parse", "HEAD").strip()
    not_signed = "promoting churn 1.2.0 is not signed by an allowed key"
    on_branch = cli("check", "--all")
    assert on_branch.exit_code == 1, on_branch.stdout
    assert f"commit {unsigned[:12]} {not_signed}" in on_branch.stderr
    git(governed, "switch", "-q", "main")

    _merge(governed, "-c", "core.hooksPath=/dev/null")
    merge = git(governed, "rev-parse", "HEAD").strip()
    refused = cli("check", "--all")
    assert refused.exit_code == 1, refused.stdout
    assert f"commit {merge[:12]} {not_signed}" in refused.stderr
    git(governed, "reset", "-q", "--hard", "HEAD^")

    sign = ("-c", "gpg.format=ssh", "-c", f"user.signingkey={good}", "-c", "commit.gpgsign=true")
    _merge(governed, *sign)
    assert "require_signed" not in cli("check", "--all").stderr
    assert cli("registry", "apply").exit_code == 0
    passed = cli("check", "--all")
    assert passed.exit_code == 0, passed.stderr
