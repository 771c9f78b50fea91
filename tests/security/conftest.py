"""Worlds for the data-plane attacks: a directory data remote, or S3 on a moto server."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.security.forge import World, make_world


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    """The attacker's world with a directory data remote."""
    return make_world(tmp_path, monkeypatch)


@pytest.fixture(params=["directory", "s3"])
def any_world(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> World:
    """The attacker's world with each kind of data remote."""
    if request.param == "directory":
        return make_world(tmp_path, monkeypatch)
    client = request.getfixturevalue("s3_client")
    name = request.getfixturevalue("bucket")
    endpoint = request.getfixturevalue("moto_endpoint")
    return make_world(tmp_path, monkeypatch, s3=(client, name, endpoint))
