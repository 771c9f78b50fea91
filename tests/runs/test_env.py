from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitml.runs import env


@pytest.mark.parametrize(
    "name",
    [
        "API_KEY",
        "AWS_SECRET_ACCESS_KEY",
        "GITHUB_TOKEN",
        "--auth-token",
        "db_password",
        "--passwd",
        "HF_CREDENTIALS",
        "PRIVATE_URL",
        "--api-key",
    ],
)
def test_secret_looking_names(name: str) -> None:
    assert env.looks_secret(name)


@pytest.mark.parametrize("name", ["CUDA_VISIBLE_DEVICES", "--lr", "OMP_NUM_THREADS", "--epochs"])
def test_ordinary_names(name: str) -> None:
    assert not env.looks_secret(name)


def test_allowed_vars_never_include_secrets() -> None:
    environ = {"OMP_NUM_THREADS": "4", "MY_TOKEN": "t", "HOME": "/h"}
    assert env.allowed_vars(environ, ["OMP_NUM_THREADS", "MY_TOKEN"]) == {"OMP_NUM_THREADS": "4"}


def test_capture_env_records_digest_and_count_not_the_list(tmp_path: Path) -> None:
    from gitml.runs.interpreter import Interpreter

    found = env.capture_env(tmp_path, ["CI"], Interpreter.current("script"))
    packages = found.info["packages"]
    assert packages["digest"].startswith("xxh3-128:")
    assert packages["count"] == len(found.packages_text.splitlines()) > 0
    assert "pytest==" in found.packages_text
    assert found.info["python"].count(".") == 2


def test_package_list_is_cached_by_site_folder_mtimes(tmp_path: Path) -> None:
    text, digest, count = env.packages(tmp_path)
    cache = tmp_path / env.PACKAGES_CACHE
    saved = json.loads(cache.read_text())
    (entry,) = saved.values()
    entry["text"], entry["count"] = "fake==1\n", 1
    cache.write_text(json.dumps(saved))
    assert env.packages(tmp_path)[0] == "fake==1\n"
    entry["key"] = [["/nowhere", 0]]
    cache.write_text(json.dumps(saved))
    assert env.packages(tmp_path) == (text, digest, count)


def test_which_finds_what_shutil_which_finds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    plain, tools, empty = tmp_path / "plain", tmp_path / "tools", tmp_path / "empty"
    for folder in (plain, tools, empty):
        folder.mkdir()
    (plain / "tool").write_text("not executable\n")
    (tools / "tool").write_text("#!/bin/sh\n")
    (tools / "tool").chmod(0o755)
    (tools / "folder").mkdir(mode=0o755)
    monkeypatch.chdir(tools)
    path_var = f"{empty}::{plain}:{tools}:{tools}"
    names = ["tool", "folder", "missing", str(tools / "tool"), str(plain / "tool"), "./tool"]
    for name in names:
        assert env.which(name, path_var) == shutil.which(name, path=path_var), name
    monkeypatch.setenv("PATH", f"{plain}:{tools}")
    assert env.which("tool") == shutil.which("tool") == str(tools / "tool")
    assert env.which("tool", "") is None
