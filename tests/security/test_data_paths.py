"""Hostile file lists and work-tree links through ``data pull``, ``checkout`` and ``--force``.

Holes 1-3 of the data plane, each through every writer of dataset files: a file list that
names ``.git`` (at the top, nested, in mixed case), a folder on the way that a commit
turned into a link (one and two levels down), a link swapped in between the check and the
write, and a dataset root that is a link to ``.git`` or ``.git/hooks``.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import gitml.objects.pathguard as pathguard
from tests.security.forge import (
    World,
    commit_symlink,
    forge_version,
    listing,
    ok,
    point,
    publish,
    victim_clone,
    write,
)
from tests.support.core import cli, git

COMMANDS = [("data", "pull"), ("data", "checkout"), ("data", "checkout", "--force")]
COMMAND_IDS = ["pull", "checkout", "checkout-force"]


def fsmonitor_config(marker: Path) -> bytes:
    return (
        "[core]\n\trepositoryformatversion = 0\n\tbare = false\n"
        f'\tfsmonitor = "touch {marker}; false"\n'
    ).encode()


def forged_list(world: World, tmp_path: Path, files: dict[str, bytes]) -> str:
    """The attacker points dataset 'ds' at a version listing ``files``; returns its digest."""
    digest = forge_version(world, "ds", files)
    point(world.attacker, "ds", "ds", digest, files)
    publish(world.attacker)
    return str(digest)


def refused(command: tuple[str, ...], *needles: str) -> str:
    result = cli(*command)
    assert result.exit_code == 1, result
    assert result.stderr.startswith("error: "), result
    assert result.stderr.count("\n") == 1, result
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in result.stderr, result
    return result.stderr


@pytest.mark.parametrize("command", COMMANDS, ids=COMMAND_IDS)
def test_file_list_naming_dot_git_is_refused_and_git_never_runs_its_config(
    any_world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]
) -> None:
    world = any_world
    marker = tmp_path / "pwned"
    files = {
        ".git/HEAD": b"ref: refs/heads/main\n",
        ".git/config": fsmonitor_config(marker),
        ".git/objects/.keep": b"",
        ".git/refs/.keep": b"",
        "ok.txt": b"honest data\n",
    }
    digest = forged_list(world, tmp_path, files)
    victim = victim_clone(world, tmp_path / "victim", monkeypatch)
    refused(command, digest, "'.git/HEAD'", "'.git'")
    assert not (victim / "ds" / ".git").exists()
    (victim / "ds").mkdir(exist_ok=True)
    status = subprocess.run(["git", "status"], cwd=victim / "ds", capture_output=True, check=False)
    assert status.returncode == 0, status  # git ran here, in the victim's own repository
    assert not marker.exists()


@pytest.mark.parametrize("command", COMMANDS, ids=COMMAND_IDS)
@pytest.mark.parametrize(
    "entry",
    ["sub/.git/config", ".GiT/config", "a/b/.Git/hooks/post-checkout", "git~1/config", ".git./x"],
)
def test_dot_git_nested_or_in_any_case_is_refused(
    world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: tuple[str, ...],
    entry: str,
) -> None:
    digest = forged_list(world, tmp_path, {entry: fsmonitor_config(tmp_path / "pwned")})
    victim = victim_clone(world, tmp_path / "victim", monkeypatch)
    before = listing(victim)
    refused(command, digest, repr(entry))
    assert listing(victim) == before


def link_on_the_way(world: World, depth: int) -> None:
    """An honest version of 'ds' with a file ``depth`` folders down, then the last folder
    on the way committed as a link to the outside folder (hole 2)."""
    folders = ["sub", "deeper"][:depth]
    rel = "/".join(["ds", *folders, "authorized_keys"])
    write(world.attacker / rel, b"attacker's key\n")
    ok("data", "add", "ds")
    ok("data", "push")
    git(world.attacker, "add", "-A")
    git(world.attacker, "commit", "-q", "-m", "keys")
    commit_symlink(world.attacker, "/".join(["ds", *folders]), str(world.outside))
    publish(world.attacker)


@pytest.mark.parametrize("command", COMMANDS, ids=COMMAND_IDS)
@pytest.mark.parametrize("depth", [1, 2], ids=["one-down", "two-down"])
def test_folder_link_on_the_way_is_never_written_through(
    world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: tuple[str, ...],
    depth: int,
) -> None:
    link_on_the_way(world, depth)
    victim_clone(world, tmp_path / "victim", monkeypatch)
    outside = listing(world.outside)
    link = "ds/sub" if depth == 1 else "ds/sub/deeper"
    refused(command, f"'{link}' is a symbolic link")
    assert listing(world.outside) == outside
    assert (world.outside / "authorized_keys").read_bytes() == b"the victim's own key\n"


@pytest.mark.parametrize("command", COMMANDS, ids=COMMAND_IDS)
def test_link_swapped_in_after_the_check_stops_the_write(
    world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: tuple[str, ...],
) -> None:
    write(world.attacker / "ds" / "sub" / "authorized_keys", b"attacker's key\n")
    ok("data", "add", "ds")
    ok("data", "push")
    git(world.attacker, "add", "-A")
    git(world.attacker, "commit", "-q", "-m", "keys")
    publish(world.attacker)
    victim = victim_clone(world, tmp_path / "victim", monkeypatch)
    (victim / "ds" / "sub").mkdir(parents=True)
    swapped: list[str] = []

    class SwappedAfterTheChecks(pathguard.TreeWriter):
        """The race: a link appears once every check has passed, before the first write."""

        def __init__(self, root: Path, *, where: str) -> None:
            super().__init__(root, where=where)
            (victim / "ds" / "sub").rmdir()
            (victim / "ds" / "sub").symlink_to(world.outside)
            swapped.append("ds/sub")

    monkeypatch.setattr(pathguard, "TreeWriter", SwappedAfterTheChecks)
    outside = listing(world.outside)
    refused(command, "'ds/sub' is a symbolic link")
    assert swapped
    assert listing(world.outside) == outside


@pytest.mark.parametrize("command", COMMANDS, ids=COMMAND_IDS)
@pytest.mark.parametrize("target", [".git", ".git/hooks"])
def test_dataset_root_linked_into_dot_git_is_refused(
    world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: tuple[str, ...],
    target: str,
) -> None:
    files = {"post-checkout": b"#!/bin/sh\ntouch pwned\n", "HEAD": b"garbage\n"}
    digest = forge_version(world, "ds", files)
    point(world.attacker, "ds", "ds", digest, files)
    commit_symlink(world.attacker, "ds", target)
    publish(world.attacker)
    victim = victim_clone(world, tmp_path / "victim", monkeypatch)
    git_dir = listing(victim / ".git")
    refused(command, "'ds' is a symbolic link")
    assert listing(victim / ".git") == git_dir
    assert git(victim, "status", "--porcelain") == ""
    assert not (victim / ".git" / "hooks" / "post-checkout").exists()


def test_force_removes_only_files_of_the_dataset(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    victim = victim_clone(world, tmp_path / "victim", monkeypatch)
    ok("data", "checkout")
    (victim / "ds" / "ok.txt").write_bytes(b"changed, never added\n")
    (victim / "ds" / "stray.txt").write_bytes(b"not in the version\n")
    (victim / "ds" / "nested").mkdir()
    (victim / "ds" / "nested" / "link").symlink_to(world.outside)
    (victim / "ds" / "gitdir").symlink_to(victim / ".git")
    (victim / "ds" / "nested" / ".git").mkdir()
    (victim / "ds" / "nested" / ".git" / "config").write_bytes(b"a nested repository\n")
    outside, git_dir = listing(world.outside), listing(victim / ".git")
    ok("data", "checkout", "--force")
    assert (victim / "ds" / "ok.txt").read_bytes() == b"honest data\n"
    assert not (victim / "ds" / "stray.txt").exists()
    assert (victim / "ds" / "nested" / ".git" / "config").exists()
    assert listing(world.outside) == outside
    assert {k: v for k, v in listing(victim / ".git").items() if "gitml" not in k} == {
        k: v for k, v in git_dir.items() if "gitml" not in k
    }
