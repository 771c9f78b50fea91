"""``git ml rerun`` input data: put back by digest from the cache or the data remote."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from gitml.objects.cache import Cache
from gitml.objects.remotes.directory import DirectoryRemote
from gitml.runs.digests import path_digest
from tests.rerun.rerun_support import (
    config,
    isolated_project,
    latest,
    record,
    rerun_json,
)
from tests.support.core import cli

DATA = "data/train.csv"


@pytest.fixture
def project(in_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolated_project(in_repo, tmp_path, monkeypatch)
    (in_repo / "data").mkdir()
    (in_repo / DATA).write_bytes(b"x,y\n" + b"1,2\n" * 5000)
    return in_repo


def cache_of(repo: Path) -> Cache:
    return Cache(repo / ".git" / "gitml" / "cache")


def _listing() -> str:
    """``git ml ls --all --json``, which must succeed and list at least one run."""
    listed = cli("ls", "--all", "--json")
    assert listed.exit_code == 0, listed
    assert json.loads(listed.stdout), listed
    return listed.stdout


def cached_run(repo: Path) -> tuple[dict[str, object], str]:
    """A run that read data/train.csv (ignored by git), its content kept in the cache."""
    digest = path_digest(repo / DATA)
    cache_of(repo).store(repo / DATA, digest)
    run = record("-n", "base", "-i", DATA)
    assert run["inputs"] == {DATA: digest}
    return run, digest


def test_input_comes_back_from_the_cache_verified(project: Path) -> None:
    _run, digest = cached_run(project)
    (project / DATA).unlink()  # the user's copy is gone; the rerun does not need it
    data = rerun_json("base")
    assert data["verdict"] == "reproduced"
    assert data["inputs"] == [
        {
            "input": DATA,
            "digest": digest,
            "path": DATA,
            "source": "cache",
            "files": 1,
            "bytes": 20004,
        }
    ]
    assert latest()["inputs"] == {DATA: digest}
    assert not (project / DATA).exists()


def test_input_missing_locally_is_pulled_from_the_data_remote(
    project: Path, tmp_path: Path
) -> None:
    _run, digest = cached_run(project)
    store = tmp_path / "store"
    store.mkdir()
    DirectoryRemote(store).upload(digest, project / DATA)
    cache_of(project).remove(digest)
    (project / DATA).unlink()
    config(project, f'[data]\ndefault_remote = "store"\n[data.remotes.store]\nurl = "{store}"\n')
    data = rerun_json("base")
    assert data["verdict"] == "reproduced"
    assert data["inputs"][0]["source"] == "remote"
    assert cache_of(project).has(digest)
    assert cache_of(project).verify(digest)


def test_corrupt_object_on_the_remote_is_refused(project: Path, tmp_path: Path) -> None:
    _run, digest = cached_run(project)
    store = tmp_path / "store"
    store.mkdir()
    DirectoryRemote(store).upload(digest, project / DATA)
    hex32 = digest.partition(":")[2]
    bad = store / hex32[:2] / hex32[2:]
    os.chmod(bad, 0o644)
    bad.write_bytes(b"tampered")
    cache_of(project).remove(digest)
    config(project, f'[data.remotes.store]\nurl = "{store}"\n')
    runs_before = _listing()
    result = cli("rerun", "base")
    assert result.exit_code == 1
    assert f"object {digest} on data remote '{store}' is corrupt" in result.stderr
    assert not cache_of(project).has(digest)
    assert _listing() == runs_before
    assert list((tmp_path / "tmp").iterdir()) == []


def test_input_missing_everywhere_names_the_input_and_digest(project: Path, tmp_path: Path) -> None:
    run, digest = cached_run(project)
    cache_of(project).remove(digest)
    result = cli("rerun", "base")
    assert result.exit_code == 1
    assert result.stderr.splitlines(keepends=True)[-1] == (
        f"error: input '{DATA}' ({digest}) of run {run['id']} is not in the local cache, "
        "and no data remote is configured; add the remote that holds it "
        "(`git ml data remote add NAME URL --default`)\n"
    )
    store = tmp_path / "store"
    store.mkdir()
    config(project, f'[data.remotes.store]\nurl = "{store}"\n')
    result = cli("rerun", "base")
    assert result.exit_code == 1
    assert result.stderr.splitlines(keepends=True)[-1] == (
        f"error: input '{DATA}' ({digest}) of run {run['id']} is neither in the local cache "
        "nor on data remote 'store'; push it there from the clone that recorded the run "
        "(`git ml data push`)\n"
    )
    assert list((tmp_path / "tmp").iterdir()) == []
    plan = cli("rerun", "base", "--dry-run")
    assert plan.exit_code == 1
    assert f"  input       {DATA} ({digest}): missing\n" in plan.stdout


def test_input_outside_the_repository_must_be_unchanged(project: Path, tmp_path: Path) -> None:
    (project / DATA).unlink()  # the run reads only its declared input
    outside = tmp_path / "outside.csv"
    outside.write_text("a,b\n")
    run = record("-n", "ext", "-i", str(outside))
    assert list(run["inputs"]) == [outside.as_posix()]
    assert rerun_json("ext")["inputs"][0]["source"] == "outside"
    outside.write_text("a,b\n1,2\n")
    result = cli("rerun", "ext")
    assert result.exit_code == 1
    assert f"input '{outside}' of run {run['id']} lies outside the repository" in result.stderr
    assert "put it back first" in result.stderr


def test_dry_run_says_where_inputs_come_from_and_records_nothing(project: Path) -> None:
    run, digest = cached_run(project)
    before = _listing()
    plan = cli("rerun", "base", "--dry-run")
    assert plan.exit_code == 0, plan
    assert plan.stdout.startswith(f"would rerun {run['id']} base: ready\n")
    assert f"  input       {DATA} ({digest}): cache\n" in plan.stdout
    data = rerun_json("base", "--dry-run")
    assert data["ready"] is True
    assert data["inputs"] == {DATA: "cache"}
    assert _listing() == before


def test_folder_outside_the_repository_is_checked_like_a_file(
    project: Path, tmp_path: Path
) -> None:
    (project / DATA).unlink()
    outside = tmp_path / "ext"
    (outside / "sub").mkdir(parents=True)
    (outside / "sub" / "a.txt").write_text("a")
    run = record("-n", "extdir", "-i", str(outside))
    data = rerun_json("extdir")
    assert data["inputs"][0]["source"] == "outside"
    (outside / "sub" / "a.txt").write_text("changed")
    result = cli("rerun", "extdir")
    assert result.exit_code == 1
    assert f"input '{outside}' of run {run['id']} lies outside the repository" in result.stderr
