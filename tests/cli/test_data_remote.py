"""``git ml data remote add/ls/rm`` edit .gitml/config.toml."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitml.config import load_settings
from tests.cli.test_data import ok


def test_remote_add_ls_rm(in_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sub = in_repo / "sub"
    sub.mkdir()
    monkeypatch.chdir(sub)
    ok("data", "remote", "add", "near", "../../store")
    ok(
        "data",
        "remote",
        "add",
        "cloud",
        "s3://bucket/p",
        "--default",
        "--endpoint-url",
        "http://127.0.0.1:9000",
        "--region",
        "eu-west-1",
        "--profile",
        "team",
    )
    settings = load_settings(in_repo)
    assert settings.default_remote == "cloud"
    near = settings.remote("near")
    assert near.url == "../store"  # relative to the repository root, not to sub/
    cloud = settings.remote(None)
    assert cloud.options == {
        "endpoint_url": "http://127.0.0.1:9000",
        "region": "eu-west-1",
        "profile": "team",
    }
    rows = json.loads(ok("data", "remote", "ls", "--json"))
    assert [(r["name"], r["default"]) for r in rows] == [("cloud", True), ("near", False)]
    assert rows[1]["resolved"] == str(in_repo.parent / "store")
    human = ok("data", "remote", "ls")
    assert "*  cloud  s3://bucket/p" in human
    ok("data", "remote", "rm", "cloud")
    assert load_settings(in_repo).default_remote is None
    ok("data", "remote", "rm", "near")
    assert load_settings(in_repo).data_remotes == ()
    assert "no data remotes" in ok("data", "remote", "ls")
