"""``git ml init``: tracked files, fetch refspecs, notes config; idempotent."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from gitml.config import load_settings
from tests.support.core import cli, git


def test_init_writes_files_and_config(in_repo: Path, remote: Path) -> None:
    git(in_repo, "remote", "add", "origin", str(remote))
    result = cli(*["init"])
    assert result.exit_code == 0, result.output
    for name in ("config.toml", "policy.toml", "stages.toml"):
        assert (in_repo / ".gitml" / name).is_file()
    fetch = git(in_repo, "config", "--get-all", "remote.origin.fetch").splitlines()
    assert fetch == [
        "+refs/heads/*:refs/remotes/origin/*",
        "+refs/gitml/*:refs/remotes/origin/gitml/*",
        "+refs/notes/gitml*:refs/notes/remotes/origin/gitml*",
    ]
    assert git(in_repo, "config", "notes.displayRef").strip() == "refs/notes/gitml"
    assert git(in_repo, "config", "notes.rewriteRef").strip() == "refs/notes/gitml"
    assert load_settings(in_repo).stage_order == ("dev", "staging", "production")
    proc = cli(*["validate"])
    assert proc.exit_code == 0, proc.output


def test_init_is_idempotent(in_repo: Path, remote: Path) -> None:
    git(in_repo, "remote", "add", "origin", str(remote))
    assert cli(*["init"]).exit_code == 0
    before = git(in_repo, "config", "--list", "--local")
    (in_repo / ".gitml" / "config.toml").write_text(
        (in_repo / ".gitml" / "config.toml").read_text() + "\n[check]\nmax_git_file_mb = 2\n"
    )
    again = cli(*["init", "--json"])
    assert again.exit_code == 0
    assert '"created": []' in again.stdout
    assert git(in_repo, "config", "--list", "--local") == before
    assert "max_git_file_mb = 2" in (in_repo / ".gitml" / "config.toml").read_text()


def test_plain_fetch_after_init_never_touches_local_gitml_refs(
    in_repo: Path, remote: Path, tmp_path: Path
) -> None:
    git(in_repo, "remote", "add", "origin", str(remote))
    assert cli(*["init"]).exit_code == 0
    head = git(in_repo, "rev-parse", "HEAD").strip()
    git(in_repo, "update-ref", "refs/gitml/runs", head)
    git(in_repo, "push", "-q", "origin", "HEAD:refs/heads/main")
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(remote), str(other))
    (other / "f").write_text("x")
    git(other, "add", "f")
    git(other, "commit", "-q", "-m", "other")
    git(other, "push", "-q", "origin", "HEAD:refs/gitml/runs")
    git(in_repo, "fetch", "-q", "origin")
    assert git(in_repo, "rev-parse", "refs/gitml/runs").strip() == head
    assert git(in_repo, "rev-parse", "refs/remotes/origin/gitml/runs").strip() != head


def test_init_rejects_invalid_existing_config(in_repo: Path) -> None:
    (in_repo / ".gitml").mkdir()
    (in_repo / ".gitml" / "config.toml").write_text(
        'schema = "gitml/config/1"\n[core]\ngc_every = "often"\n'
    )
    result = cli(*["init"])
    assert result.exit_code == 1
    assert ".gitml/config.toml: core.gc_every: 'often' is not of type 'integer'" in result.output
    assert not (in_repo / ".gitml" / "policy.toml").exists()


def test_init_in_bare_repository_is_a_clear_error(
    remote: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(remote)
    result = cli(*["init"])
    assert result.exit_code == 1
    assert "is a bare repository" in result.output


def test_init_hooks_installs_and_chains_foreign_hook(in_repo: Path) -> None:
    hooks = in_repo / ".git" / "hooks"
    hooks.mkdir(exist_ok=True)
    foreign = hooks / "pre-commit"
    marker = in_repo / "foreign-ran"
    foreign.write_text(f"#!/bin/sh\ntouch '{marker}'\n")
    foreign.chmod(0o755)
    result = cli(*["init", "--hooks"])
    assert result.exit_code == 0, result.output
    assert "hook pre-commit: chained" in result.stdout
    assert (hooks / "pre-commit.legacy").read_text().startswith("#!/bin/sh\ntouch")
    assert "gitml-hook-shim" in (hooks / "pre-commit").read_text()
    again = cli(*["init", "--hooks"])
    assert again.exit_code == 0, again
    assert "hook pre-commit: updated" in again.stdout
    git(in_repo, "add", ".gitml")
    bindir = str(Path(sys.executable).parent)
    git(in_repo, "commit", "-q", "-m", "gitml", env={"PATH": f"{bindir}:/usr/bin:/bin"})
    assert marker.exists()


def test_pre_commit_hook_blocks_invalid_stages_file(in_repo: Path) -> None:
    assert cli(*["init", "--hooks"]).exit_code == 0
    git(in_repo, "add", ".gitml")
    bindir = str(Path(sys.executable).parent)
    env = {"PATH": f"{bindir}:/usr/bin:/bin"}
    git(in_repo, "commit", "-q", "-m", "gitml", env=env)
    stages = in_repo / ".gitml" / "stages.toml"
    stages.write_text(stages.read_text() + "[models.churn]\nproduction = 3\n")
    git(in_repo, "add", ".gitml")
    proc = __import__("subprocess").run(
        ["git", "commit", "-m", "bad"],
        cwd=in_repo,
        capture_output=True,
        text=True,
        env={**__import__("os").environ, **env},
    )
    assert proc.returncode == 1
    assert (
        "gitml: .gitml/stages.toml: models.churn.production: 3 is not of type 'string'"
        in proc.stderr
    )
    assert git(in_repo, "log", "--format=%s", "-1").strip() == "gitml"


def test_validate_checks_data_pointers(in_repo: Path) -> None:
    assert cli("init").exit_code == 0
    pointers = in_repo / ".gitml" / "data"
    pointers.mkdir()
    (pointers / "train.toml").write_text('schema = "gitml/pointer/1"\nsurprise = 1\n')
    result = cli("validate")
    assert result.exit_code == 1
    assert ".gitml/data/train.toml: " in result.stderr
