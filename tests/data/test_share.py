"""Sharing data between clones through a directory remote and a real S3 server (moto)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from gitml.objects.digest import hash_file
from tests.support.core import cli, free_port, git


def ok(*args: str) -> str:
    result = cli(*args)
    assert result.exit_code == 0, result
    return result.stdout


def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def snapshot(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hash_file(p) for p in sorted(root.rglob("*")) if p.is_file()
    }


@pytest.fixture
def clone_a(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Repository A with a committed dataset (a folder) and a committed single file."""
    repo = tmp_path / "a"
    repo.mkdir()
    git(repo, "init", "-q")
    write(repo / "README.md", b"hi\n")
    write(repo / "data" / "big.bin", os.urandom(9 << 20))  # more than one hashing chunk
    write(repo / "data" / "small" / "s.csv", b"a,b\n1,2\n")
    write(repo / "data" / "empty.txt", b"")
    write(repo / "model.bin", os.urandom(4096))
    monkeypatch.chdir(repo)
    ok("data", "add", "data", "model.bin")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "data")
    return repo


def fresh_clone(source: Path, dest: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    git(source.parent, "clone", "-q", str(source), str(dest))
    monkeypatch.chdir(dest)
    return dest


def s3_remote(bucket: str, endpoint: str) -> tuple[str, ...]:
    return ("data", "remote", "add", "s3", f"s3://{bucket}/team/data", "--endpoint-url", endpoint)


def test_push_to_directory_and_s3_then_pull_into_fresh_clones(
    clone_a: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    moto_endpoint: str,
    bucket: str,
    s3_client: Any,
) -> None:
    store = tmp_path / "store"
    store.mkdir()
    ok("data", "remote", "add", "dir", "../store", "--default")
    ok(*s3_remote(bucket, moto_endpoint))
    git(clone_a, "add", ".gitml/config.toml")
    git(clone_a, "commit", "-q", "-m", "remotes")
    first = json.loads(ok("data", "push", "--json"))
    assert first["remote"] == "dir"
    assert first["transferred"] == 8  # 4 files, 2 manifests, 2 listings
    assert json.loads(ok("data", "push", "--json"))["transferred"] == 0
    assert json.loads(ok("data", "push", "--remote", "s3", "--json"))["transferred"] == 8
    listed = s3_client.list_objects_v2(Bucket=bucket, Prefix="team/data/")
    assert listed["KeyCount"] == 8
    expected = {**snapshot(clone_a / "data"), "model.bin": hash_file(clone_a / "model.bin")}

    for remote in ("dir", "s3"):
        clone = fresh_clone(clone_a, tmp_path / f"b-{remote}", monkeypatch)
        assert ok("data", "status").count("unknown") == 2  # nothing fetched yet
        pulled = json.loads(ok("data", "pull", "--remote", remote, "--json"))
        assert pulled["restored"] == 4
        got = {**snapshot(clone / "data"), "model.bin": hash_file(clone / "model.bin")}
        assert got == expected
        assert ok("data", "status") == "data (data): clean\nmodel.bin (model.bin): clean\n"


def test_git_ml_push_sends_data_before_records(
    clone_a: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, remote: Path
) -> None:
    store = tmp_path / "store"
    store.mkdir()
    ok("data", "remote", "add", "store", str(store))
    git(clone_a, "add", "-A")
    git(clone_a, "commit", "-q", "-m", "remote")
    git(clone_a, "remote", "add", "origin", str(remote))
    git(clone_a, "push", "-q", "origin", "HEAD:main")
    report = json.loads(ok("push", "--json"))
    assert report["data"]["remote"] == "store"
    assert report["data"]["transferred"] == 8
    assert "data" in report["pushed"]
    assert "data pushed to data remote store: 0 object(s), 8 already there" in ok("push")
    clone = fresh_clone(remote, tmp_path / "b", monkeypatch)
    ok("pull")
    assert git(clone, "for-each-ref", "--format=%(refname)", "refs/gitml/data") != ""
    ok("data", "checkout")
    assert hash_file(clone / "model.bin") == hash_file(clone_a / "model.bin")


def test_git_ml_push_stops_before_records_when_data_remote_is_unreachable(
    clone_a: Path, tmp_path: Path, remote: Path
) -> None:
    ok("data", "remote", "add", "gone", str(tmp_path / "not-mounted"))
    git(clone_a, "remote", "add", "origin", str(remote))
    result = cli("push")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "no records were pushed" in result.stderr
    assert git(remote, "for-each-ref", "refs/gitml/") == ""
    assert "pushed to origin" in ok("push", "--no-data")


def test_unreachable_s3_endpoint_is_one_line(
    clone_a: Path, aws_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"
    ok("data", "remote", "add", "s3", "s3://bucket/x", "--endpoint-url", endpoint)
    started = time.monotonic()
    result = cli("data", "push")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: data remote 's3': ")
    assert time.monotonic() - started < 30


def test_pull_reports_objects_missing_on_the_remote(
    clone_a: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    store.mkdir()
    ok("data", "remote", "add", "store", "../store")
    git(clone_a, "add", "-A")
    git(clone_a, "commit", "-q", "-m", "remote")
    ok("data", "push")
    victim = next(p for p in store.rglob("*") if p.is_file() and p.stat().st_size == 4096)
    victim.chmod(0o644)
    victim.unlink()
    clone = fresh_clone(clone_a, tmp_path / "b", monkeypatch)
    result = cli("data", "pull")
    assert result.exit_code == 1
    assert "1 file(s) are not on data remote store (first: model.bin)" in result.stderr
    assert not (clone / "model.bin").exists()


def test_git_ml_push_says_why_data_was_not_pushed(
    clone_a: Path, tmp_path: Path, remote: Path
) -> None:
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        ok("data", "remote", "add", name, str(tmp_path / name))
    ok("data", "remote", "rm", "one")
    ok("data", "remote", "add", "one", str(tmp_path / "one"))  # two remotes, no default
    git(clone_a, "remote", "add", "origin", str(remote))
    result = cli("push")
    assert result.exit_code == 0, result
    assert "warning: data not pushed: several data remotes and no default" in result.stderr
    assert json.loads(ok("push", "--json"))["data"]["not_pushed"].startswith("several")
