"""``git ml check`` and ``git ml validate`` report what the data plane would refuse: file
lists naming ``.git``, and datasets at, below or holding links a commit made."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.security.forge import (
    World,
    commit_symlink,
    forge_version,
    ok,
    point,
    publish,
    victim_clone,
    write,
)
from tests.support.core import cli, git


def findings(*args: str) -> str:
    result = cli(*args)
    assert result.exit_code == 1, result
    return result.output


def test_file_list_naming_dot_git_fails_check_and_validate(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {"sub/.GIT/config": b"[core]\n", "ok.txt": b"fine\n"}
    digest = forge_version(world, "ds", files)
    point(world.attacker, "ds", "ds", digest, files)
    publish(world.attacker)
    victim_clone(world, tmp_path / "victim", monkeypatch)
    report = findings("check", "--all")
    assert "'sub/.GIT/config' has a '.GIT' component" in report
    assert "refs/gitml/data:data/ds/" in report
    assert str(digest) in report  # the pointer's finding names the version
    assert "'sub/.GIT/config'" in findings("validate")
    assert "'sub/.GIT/config'" in findings("check", "--base", "HEAD~1")


@pytest.mark.parametrize(
    ("link", "target", "needle"),
    [
        ("ds", ".git", "goes through 'ds'"),
        ("ds/sub", "/tmp", "holds 'ds/sub'"),
        ("ds/sub/deeper", "/tmp", "holds 'ds/sub/deeper'"),
    ],
)
def test_dataset_at_or_holding_a_committed_link_fails_check_and_validate(
    world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    link: str,
    target: str,
    needle: str,
) -> None:
    write(world.attacker / "ds" / "sub" / "deeper" / "k", b"k\n")
    ok("data", "add", "ds")
    git(world.attacker, "add", "-A")
    git(world.attacker, "commit", "-q", "-m", "more")
    commit_symlink(world.attacker, link, target)
    assert needle in findings("check", "--all")
    assert needle in findings("check", "--base", "HEAD~1")
    publish(world.attacker)
    victim_clone(world, tmp_path / "victim", monkeypatch)
    assert needle in findings("check", "--all")
    if link == "ds":
        assert "'ds' is a symbolic link" in findings("validate")


def test_staged_link_at_a_dataset_fails_the_pre_commit_check(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    (world.attacker / "ds" / "ok.txt").unlink()
    (world.attacker / "ds").rmdir()
    (world.attacker / "ds").symlink_to(".git/hooks")
    git(world.attacker, "add", "-f", "ds", ".gitml")
    (world.attacker / ".gitml" / "data" / "ds.toml").write_text(
        (world.attacker / ".gitml" / "data" / "ds.toml")
        .read_text()
        .replace("files = 1", "files = 2")
    )
    git(world.attacker, "add", ".gitml")
    assert "goes through 'ds'" in findings("check", "--staged")


def test_honest_repository_passes(world: World) -> None:
    ok("check", "--all")
    ok("validate")
