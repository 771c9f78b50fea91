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


def test_require_signed_refuses_unsigned_and_wrong_keys_and_accepts_an_allowed_key(
    governed: Path, tmp_path: Path
) -> None:
    good, bad = _key(tmp_path, "good"), _key(tmp_path, "bad")
    pub = (good.with_suffix(".pub")).read_text().split()
    (governed / ".gitml" / "allowed_signers").write_text(
        f'test@example.com namespaces="git" {pub[0]} {pub[1]}\n'
    )
    with (governed / ".gitml" / "policy.toml").open("a") as fh:
        fh.write('require_signed = true\nallowed_signers = ".gitml/allowed_signers"\n')
    commit_all(governed, "Require signed promotions")
    git(governed, "switch", "-q", "-c", "pr")
    write_stages(governed, {"churn": {"production": "1.2.0"}})
    commit_all(governed, "Promote 1.2.0")
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
