"""``git ml run`` records the data it used and caches what it produced."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from gitml.objects.digest import hash_bytes, hash_file
from gitml.objects.listing import decode
from tests.cli.test_data import ok, write
from tests.support.core import cli, git

PY = sys.executable


@pytest.fixture
def project(in_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = Path(__file__).resolve().parents[2]
    monkeypatch.setenv("PYTHONPATH", str(root))
    write(in_repo / "data" / "train.csv", b"x,y\n1,0\n2,1\n")
    write(in_repo / "data" / "extra" / "e.bin", b"\x00" * 100)
    ok("data", "add", "data")
    git(in_repo, "add", "-A")
    git(in_repo, "commit", "-q", "-m", "data")
    return in_repo


def last_run() -> dict[str, Any]:
    runs = json.loads(ok("ls", "--json"))
    return runs[0]  # type: ignore[no-any-return]


def pointer_digest(repo: Path, name: str = "data") -> str:
    text = (repo / ".gitml" / "data" / f"{name}.toml").read_text()
    return text.split('manifest = "')[1].split('"')[0]


def cache_object(repo: Path, digest: str) -> Path:
    hex32 = digest.split(":")[1]
    return repo / ".git" / "gitml" / "cache" / hex32[:2] / hex32[2:]


def test_run_records_every_dataset_by_default(project: Path) -> None:
    result = cli("run", "--", PY, "-c", "print('train')")
    assert result.exit_code == 0, result
    assert last_run()["inputs"] == {"data": pointer_digest(project)}


def test_run_records_the_data_it_saw_when_it_differs_from_the_pointer(project: Path) -> None:
    committed = pointer_digest(project)
    write(project / "data" / "train.csv", b"x,y\n1,0\n2,1\n3,1\n")
    assert cli("run", "--", PY, "-c", "pass").exit_code == 0
    used = last_run()["inputs"]["data"]
    assert used != committed
    assert pointer_digest(project) == committed  # the pointer is the user's to change
    manifest = cache_object(project, used).read_bytes()
    assert hash_bytes(manifest) == used
    listing_digest = manifest.decode().split('listing = "')[1].split('"')[0]
    entries = decode(cache_object(project, listing_digest).read_bytes(), where="test")
    assert {e.path: e.digest for e in entries}["train.csv"] == hash_bytes(b"x,y\n1,0\n2,1\n3,1\n")
    paths = git(project, "ls-tree", "-r", "--name-only", "refs/gitml/data")
    assert f"{used.split(':')[1]}.toml" in paths
    assert (project / "data" / "train.csv").stat().st_mode & 0o200  # still writable


def test_run_inputs_name_datasets_and_plain_paths(project: Path) -> None:
    write(project / "config.txt", b"c")
    write(project / "refs" / "r.txt", b"r")
    result = cli("run", "-i", "data", "-i", "config.txt", "-i", "refs", "--", PY, "-c", "pass")
    assert result.exit_code == 0, result
    inputs = last_run()["inputs"]
    assert inputs["data"] == pointer_digest(project)
    assert inputs["config.txt"] == hash_bytes(b"c")
    listing = cache_object(project, inputs["refs"]).read_bytes()
    assert [e.path for e in decode(listing, where="refs")] == ["r.txt"]
    assert cli("run", "-i", "missing.txt", "--", PY, "-c", "pass").exit_code == 1


def test_run_outputs_are_cached_and_stay_writable(project: Path) -> None:
    script = (
        "import os, pathlib\n"
        "pathlib.Path('model.bin').write_bytes(os.urandom(5000))\n"
        "pathlib.Path('plots').mkdir(exist_ok=True)\n"
        "pathlib.Path('plots/a.txt').write_text('a')\n"
    )
    for _ in range(2):  # the second run rewrites the first run's outputs in place
        result = cli("run", "-o", "model.bin", "-o", "plots", "--", PY, "-c", script)
        assert result.exit_code == 0, result
    outputs = last_run()["outputs"]
    assert outputs["model.bin"] == hash_file(project / "model.bin")
    assert (
        cache_object(project, outputs["model.bin"]).read_bytes()
        == (project / "model.bin").read_bytes()
    )
    entries = decode(cache_object(project, outputs["plots"]).read_bytes(), where="plots")
    assert [(e.path, e.size) for e in entries] == [("a.txt", 1)]
    assert cache_object(project, entries[0].digest).read_bytes() == b"a"
    assert os.stat(project / "model.bin").st_nlink == 1


def test_checkpoint_leaves_dataset_files_out(project: Path) -> None:
    (project / ".gitignore").unlink()  # data no longer ignored: gitml must still skip it
    assert cli("run", "--", PY, "-c", "pass").exit_code == 0
    code = last_run()["code"]
    skipped = {s["path"]: s["reason"] for s in code.get("skipped", [])}
    assert skipped["data/train.csv"] == "data tracked by gitml"
    tree = git(project, "ls-tree", "-r", "--name-only", code["checkpoint"])
    assert "data/train.csv" not in tree


def test_parallel_sweep_members_see_the_data(project: Path) -> None:
    (project / "params.yaml").write_text("a: 1\n")
    git(project, "add", "params.yaml")
    git(project, "commit", "-q", "-m", "params")
    script = (
        "import pathlib, yaml\n"
        "a = yaml.safe_load(open('params.yaml'))['a']\n"
        "rows = pathlib.Path('data/train.csv').read_text().splitlines()\n"
        "assert len(rows) == 3, rows\n"
    )
    result = cli("run", "--jobs", "2", "-S", "a=1,2", "--", PY, "-c", script)
    assert result.exit_code == 0, result
    runs = json.loads(ok("ls", "--json"))
    assert len(runs) == 2
    assert {r["status"] for r in runs} == {"completed"}
    assert all(r["inputs"] == {"data": pointer_digest(project)} for r in runs)
