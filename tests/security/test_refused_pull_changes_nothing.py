"""A refused record changes nothing: the victim's work tree, ``.git`` and a folder outside
are listed (paths, modes, content digests) before and after ``git ml data pull``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.security.forge import (
    World,
    commit_symlink,
    forge_version,
    listing,
    ok,
    point,
    publish,
)
from tests.support.core import cli, git

ATTACKS = {
    "dot-git": {".git/config": b"[core]\n\tfsmonitor = touch pwned\n", ".git/HEAD": b"x\n"},
    "nested-mixed-case": {"a/b/.GiT/hooks/post-checkout": b"#!/bin/sh\n", "ok.txt": b"ok\n"},
    "ntfs-alias": {"git~1/config": b"[core]\n", ".git . /x": b"x\n"},
    "hfs-alias": {".g\u200cit/config": b"[core]\n"},
    "traversal": {"../outside/authorized_keys": b"attacker's key\n"},
}


def victim_with_data(world: World, dest: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clone that already pulled the honest data (cache, stat cache, snapshots exist)."""
    git(dest.parent, "clone", "-q", str(world.origin), str(dest))
    git(dest, "fetch", "-q", "origin", "+refs/gitml/*:refs/gitml/*")
    monkeypatch.chdir(dest)
    ok("data", "pull")
    ok("data", "status")
    return dest


def refused_without_a_trace(victim: Path, world: World, needle: str, commands: Any) -> None:
    """The victim takes the attacker's commits and records with plain git; each command is
    refused (naming ``needle``) and the work tree, ``.git`` and the outside folder keep
    every path, mode and byte."""
    git(victim, "fetch", "-q", "origin", "+refs/gitml/*:refs/gitml/*")
    git(victim, "pull", "-q", "--ff-only", "origin", "main")
    before = listing(victim), listing(world.outside)
    for command in commands:
        result = cli(*command)
        assert result.exit_code == 1, result
        assert needle in result.stderr, result
        assert (listing(victim), listing(world.outside)) == before, command


PULLS = (("data", "pull"), ("data", "checkout"), ("data", "checkout", "--force"))


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_refused_file_list_leaves_every_byte_as_it_was(
    any_world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, attack: str
) -> None:
    world = any_world
    victim = victim_with_data(world, tmp_path / "victim", monkeypatch)
    monkeypatch.chdir(world.attacker)
    files = ATTACKS[attack]
    digest = forge_version(world, "ds", files)
    point(world.attacker, "ds", "ds", digest, files)
    publish(world.attacker)
    monkeypatch.chdir(victim)
    refused_without_a_trace(victim, world, str(digest), PULLS)


def test_refused_link_in_the_work_tree_leaves_every_byte_as_it_was(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    victim = victim_with_data(world, tmp_path / "victim", monkeypatch)
    monkeypatch.chdir(world.attacker)
    (world.attacker / "ds" / "sub").mkdir()
    (world.attacker / "ds" / "sub" / "authorized_keys").write_bytes(b"attacker's key\n")
    ok("data", "add", "ds")
    ok("data", "push")
    git(world.attacker, "add", "-A")
    git(world.attacker, "commit", "-q", "-m", "keys")
    commit_symlink(world.attacker, "ds/sub", str(world.outside))
    publish(world.attacker)
    monkeypatch.chdir(victim)
    refused_without_a_trace(victim, world, "'ds/sub' is a symbolic link", PULLS)


def test_pointer_into_dot_git_leaves_every_byte_as_it_was(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    victim = victim_with_data(world, tmp_path / "victim", monkeypatch)
    monkeypatch.chdir(world.attacker)
    files = {"post-checkout": b"#!/bin/sh\ntouch pwned\n"}
    digest = forge_version(world, "hooks", files)
    point(world.attacker, "hooks", ".Git/hooks", digest, files)
    publish(world.attacker)
    monkeypatch.chdir(victim)
    commands = (("data", "pull"), ("data", "checkout", "--force"), ("data", "status"))
    refused_without_a_trace(victim, world, "'.Git/hooks' has a '.Git' component", commands)


@pytest.mark.parametrize("where", [".gitml", ".gitml/data"])
def test_pointer_into_dot_gitml_leaves_every_byte_as_it_was(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """``.gitml`` holds the project's reviewed files (config, policy, stages, pointers): a
    dataset there would let a pointer rewrite them, so a pointer naming it is refused."""
    victim = victim_with_data(world, tmp_path / "victim", monkeypatch)
    monkeypatch.chdir(world.attacker)
    files = {"config.toml": b'schema = "gitml/config/1"\n', "ds.toml": b"forged\n"}
    digest = forge_version(world, "rules", files)
    point(world.attacker, "rules", where, digest, files)
    publish(world.attacker)
    monkeypatch.chdir(victim)
    refused_without_a_trace(victim, world, f"'{where}' is inside .gitml/", PULLS)
