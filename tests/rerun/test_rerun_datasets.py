"""``git ml rerun`` of runs that read datasets (``git ml data add``): versions by manifest."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.rerun.rerun_support import isolated_project, latest, record, rerun_json
from tests.support.core import cli, git


def ok(*args: str) -> str:
    result = cli(*args)
    assert result.exit_code == 0, result
    return result.stdout


@pytest.fixture
def project(in_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolated_project(in_repo, tmp_path, monkeypatch)
    (in_repo / "data").mkdir()
    (in_repo / "data" / "train.csv").write_bytes(b"x,y\n" + b"1,2\n" * 3000)
    (in_repo / "data" / "labels.txt").write_text("a\nb\n")
    ok("data", "add", "data")
    git(in_repo, "add", "-A")
    git(in_repo, "commit", "-q", "-m", "data")
    return in_repo


def test_dataset_comes_back_from_the_cache(project: Path, tmp_path: Path) -> None:
    run = record("-n", "base")
    (manifest,) = run["inputs"].values()
    assert list(run["inputs"]) == ["data"]
    shutil.rmtree(project / "data")  # the user's copy is gone
    data = rerun_json("base")
    assert data["verdict"] == "reproduced"
    assert data["inputs"] == [
        {
            "input": "data",
            "digest": manifest,
            "path": "data",
            "source": "cache",
            "files": 2,
            "bytes": 12008,
        }
    ]
    assert latest()["inputs"] == {"data": manifest}
    assert not (project / "data").exists()
    assert list((tmp_path / "tmp").iterdir()) == []
    human = cli("rerun", "base")
    assert human.exit_code == 0, human
    assert f"data: data (2 files, 11.7 KiB, {manifest}) from cache, verified\n" in human.stdout


def test_rerun_restores_the_version_the_run_read_not_the_pointers(project: Path) -> None:
    pointer = (project / ".gitml" / "data" / "data.toml").read_bytes()
    (project / "data" / "train.csv").write_bytes(b"x,y\n" + b"1,2\n" * 10)  # not added
    run = record("-n", "edited")
    assert run["metrics"]["bytes"] == 44
    ok("data", "checkout", "--force")  # back to the committed version
    assert (project / ".gitml" / "data" / "data.toml").read_bytes() == pointer
    data = rerun_json("edited")
    assert data["verdict"] == "reproduced"
    assert latest()["inputs"] == run["inputs"]


def test_dataset_missing_locally_is_pulled_from_the_data_remote(
    project: Path, tmp_path: Path
) -> None:
    run = record("-n", "base")
    store = tmp_path / "store"
    store.mkdir()
    ok("data", "remote", "add", "store", str(store), "--default")
    ok("data", "push")
    shutil.rmtree(project / "data")
    shutil.rmtree(project / ".git" / "gitml" / "cache")
    data = rerun_json("base")
    assert data["verdict"] == "reproduced"
    assert data["inputs"][0]["source"] == "remote"
    assert latest()["inputs"] == run["inputs"]


def test_dataset_missing_everywhere_names_dataset_file_and_digest(
    project: Path, tmp_path: Path
) -> None:
    run = record("-n", "base")
    (manifest,) = run["inputs"].values()
    objects = project / ".git" / "gitml" / "cache"
    from gitml.objects.digest import hash_file

    digest = hash_file(project / "data" / "labels.txt")
    hex32 = digest.hex
    (objects / hex32[:2] / hex32[2:]).unlink()
    shutil.rmtree(project / "data")
    result = cli("rerun", "base")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f"error: dataset 'data' version {manifest} of run {run['id']}: file "
        f"'data/labels.txt' ({digest}) is not in the local cache, and no data remote is "
        "configured; add the remote that holds it (`git ml data remote add NAME URL --default`)"
    )
    plan = cli("rerun", "base", "--dry-run")
    assert plan.exit_code == 1
    assert f"  input       data ({manifest}): missing\n" in plan.stdout
    assert list((tmp_path / "tmp").iterdir()) == []


def test_folder_input_comes_back_from_its_cached_listing(project: Path) -> None:
    (project / ".gitignore").write_text("metrics.json\n/data/\n/refs/\n")
    git(project, "commit", "-q", "-am", "ignore refs")
    (project / "refs" / "sub").mkdir(parents=True)
    (project / "refs" / "a.txt").write_text("a")
    (project / "refs" / "sub" / "b.txt").write_text("bb")
    run = record("-n", "folder", "-i", "refs", "-i", "data")
    assert set(run["inputs"]) == {"data", "refs"}
    kept = {p: (project / p).read_bytes() for p in ("refs/a.txt", "refs/sub/b.txt")}
    shutil.rmtree(project / "refs")
    result = cli("rerun", "folder")  # a plain -i folder's listing is cached, not its files
    assert result.exit_code == 1
    assert f"error: input 'refs' ({run['inputs']['refs']}) of run {run['id']}: file " in (
        result.stderr
    )
    from gitml.objects.cache import Cache, LinkMode
    from gitml.objects.digest import hash_file

    cache = Cache(project / ".git" / "gitml" / "cache", link=LinkMode.COPY)
    for content in kept.values():
        (project / "copy").write_bytes(content)
        cache.store(project / "copy", hash_file(project / "copy"))
    data = rerun_json("folder")
    assert data["verdict"] == "reproduced"
    (refs,) = [i for i in data["inputs"] if i["input"] == "refs"]
    assert (refs["source"], refs["files"], refs["bytes"]) == ("cache", 2, 3)
    assert latest()["inputs"] == run["inputs"]


def test_committed_folder_input_needs_nothing_from_the_cache(project: Path) -> None:
    (project / "conf" / "deep").mkdir(parents=True)
    (project / "conf" / "a.toml").write_text("a = 1\n")
    (project / "conf" / "deep" / "b.toml").write_text("b = 2\n")
    git(project, "add", "conf")
    git(project, "commit", "-q", "-m", "conf")
    run = record("-n", "conf", "-i", "conf", "-i", "data")
    listing = run["inputs"]["conf"].partition(":")[2]
    (project / ".git" / "gitml" / "cache" / listing[:2] / listing[2:]).unlink()
    data = rerun_json("conf")
    assert data["verdict"] == "reproduced"
    (conf,) = [i for i in data["inputs"] if i["input"] == "conf"]
    assert conf["source"] == "checkpoint"
