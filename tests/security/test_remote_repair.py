"""Hole 6: a corrupt object on the data remote is reported as corrupt (not missing) by
every reader, and ``push --verify`` from a clone with a good copy replaces it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from gitml.objects.digest import Digest, hash_bytes
from tests.security.forge import World, ok, publish
from tests.support.core import cli, git
from tests.support.registry import record_run

WEIGHTS = b"weights v1\n"
DATA = b"honest data\n"


def corrupt(world: World, digest: Digest) -> None:
    """Bit rot (or an attacker) on the data remote: same name, other bytes."""
    if world.s3 is None:
        path = world.store / digest.hex[:2] / digest.hex[2:]
        os.chmod(path, 0o644)
        path.write_bytes(b"rotten\n")
    else:
        client, bucket = world.s3
        key = f"data/{digest.hex[:2]}/{digest.hex[2:]}"
        client.put_object(Bucket=bucket, Key=key, Body=b"rotten\n")


def fails(*args: str) -> str:
    result = cli(*args)
    assert result.exit_code == 1, result
    assert "Traceback" not in result.output
    return result.stderr


@pytest.fixture
def shared(any_world: World) -> World:
    """Clone A (the attacker's world, here an honest colleague) with a registered model."""
    repo = any_world.attacker
    run_id = record_run(repo, metrics={"acc": 0.9}, model_bytes=WEIGHTS)
    ok("model", "register", "m", "--run", run_id, "--version", "1.0.0")
    ok("model", "push", "m")
    publish(repo)
    return any_world


def test_every_reader_says_corrupt_and_push_verify_repairs(
    shared: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corrupt(shared, hash_bytes(WEIGHTS))
    corrupt(shared, hash_bytes(DATA))
    colleague = shared.attacker
    victim = tmp_path / "victim"
    git(tmp_path, "clone", "-q", str(shared.origin), str(victim))
    git(victim, "fetch", "-q", "origin", "+refs/gitml/*:refs/gitml/*")
    monkeypatch.chdir(victim)
    for command in (
        ("model", "get", "m:1.0.0", "--to", str(tmp_path / "deploy")),
        ("model", "get", "m:1.0.0"),
        ("data", "pull"),
        ("data", "checkout"),
    ):
        message = fails(*command)
        assert "is corrupt" in message, command
        assert "does not have it" not in message
        assert "--verify" in message
    assert not (tmp_path / "deploy" / "model.bin").exists()
    assert not (victim / "ds" / "ok.txt").exists()
    monkeypatch.chdir(colleague)
    plain = json.loads(ok("data", "push", "--json"))
    assert plain["transferred"] == 0  # existence alone cannot tell
    assert plain["repaired"] == []
    verified = json.loads(ok("data", "push", "--verify", "--json"))
    assert verified["repaired"] == sorted([str(hash_bytes(DATA)), str(hash_bytes(WEIGHTS))])
    again = json.loads(ok("data", "push", "--verify", "--json"))
    assert again["repaired"] == []
    monkeypatch.chdir(victim)
    ok("data", "pull")
    assert (victim / "ds" / "ok.txt").read_bytes() == DATA
    ok("model", "get", "m:1.0.0", "--to", str(tmp_path / "deploy"))
    assert (tmp_path / "deploy" / "model.bin").read_bytes() == WEIGHTS


def test_model_push_verify_replaces_a_corrupt_artifact(
    shared: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corrupt(shared, hash_bytes(WEIGHTS))
    result = json.loads(ok("model", "push", "m", "--verify", "--json"))
    assert result["repaired"] == [str(hash_bytes(WEIGHTS))]
    human = cli("model", "push", "m", "--verify")
    assert human.exit_code == 0, human
    assert "corrupt" not in human.stderr
