"""Many machines: clones that record runs, data and model versions at once and push to
one remote lose nothing and duplicate nothing (a Slurm array or CI matrix in miniature)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.core import git

RUNS_PER_CLONE = 50

WORKER = r"""
import os, subprocess, sys
from pathlib import Path

import gitml

clone, index = Path(sys.argv[1]), int(sys.argv[2])
os.chdir(clone)
gml = [sys.executable, "-m", "gitml"]
for n in range(int(sys.argv[3])):
    with gitml.start_run(name=f"w{index}-{n}", params={"worker": index, "n": n}) as run:
        run.log_metric("acc", 0.5 + n / 1000)
for suffix in ("a", "b"):
    folder = clone / f"d{index}{suffix}"
    folder.mkdir()
    (folder / "rows.csv").write_text(f"x,y\n{index},{suffix}\n")
    subprocess.run([*gml, "data", "add", str(folder), "--name", f"d{index}{suffix}"], check=True)
subprocess.run(["git", "add", "-A"], check=True)
subprocess.run(["git", "commit", "-q", "-m", f"data of worker {index}"], check=True)
(clone / "model.bin").write_bytes(b"weights %d" % index)
subprocess.run(
    [*gml, "model", "register", f"m{index}", "--run", f"w{index}-0", "--artifact", "model.bin"],
    check=True,
)
subprocess.run([*gml, "push"], check=True)
"""


def _prepare(seeded: Path, origin: str, tmp_path: Path) -> list[Path]:
    setup = tmp_path / "setup"
    git(tmp_path, "clone", "-q", str(seeded), str(setup))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    subprocess.run(
        [sys.executable, "-m", "gitml", "init"], cwd=setup, env=env, check=True, capture_output=True
    )
    store = tmp_path / "store"
    store.mkdir()
    subprocess.run(
        [sys.executable, "-m", "gitml", "data", "remote", "add", "store", str(store), "--default"],
        cwd=setup,
        env=env,
        check=True,
        capture_output=True,
    )
    git(setup, "add", ".gitml")
    git(setup, "commit", "-q", "-m", "Set up gitml")
    git(setup, "push", "-q", "origin", "HEAD:main")
    clones = []
    for i in range(4):
        path = tmp_path / f"machine{i}"
        git(tmp_path, "clone", "-q", origin, str(path))
        clones.append(path)
    return clones


def _run_workers(clones: list[Path]) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(c), str(i), str(RUNS_PER_CLONE)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i, c in enumerate(clones)
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, out + err


def _counts(clone: Path) -> tuple[int, int, int]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    gml = [sys.executable, "-m", "gitml"]
    subprocess.run([*gml, "pull"], cwd=clone, env=env, check=True, capture_output=True)
    runs = json.loads(
        subprocess.run(
            [*gml, "ls", "--all", "--limit", "0", "--json"],
            cwd=clone,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    ids = [r["id"] for r in runs]
    assert len(ids) == len(set(ids))
    manifests = [
        p
        for p in git(clone, "ls-tree", "-r", "--name-only", "refs/gitml/data").splitlines()
        if p.startswith("data/") and p.endswith(".toml")
    ]
    models = json.loads(
        subprocess.run(
            [*gml, "model", "ls", "--json"],
            cwd=clone,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    return len(ids), len(manifests), sum(m["versions"] for m in models)


@pytest.mark.slow
def test_four_clones_push_at_once_over_file_url(seeded_remote: Path, tmp_path: Path) -> None:
    clones = _prepare(seeded_remote, f"file://{seeded_remote}", tmp_path)
    _run_workers(clones)
    for clone in clones:
        assert _counts(clone) == (4 * RUNS_PER_CLONE, 8, 4)
        assert git(clone, "fsck", "--strict", "--no-dangling").strip() == ""


@pytest.mark.slow
def test_four_clones_push_at_once_over_git_daemon(
    daemon: tuple[str, subprocess.Popen[bytes]],
    seeded_remote: Path,
    tmp_path: Path,
) -> None:
    url, _ = daemon
    clones = _prepare(seeded_remote, url, tmp_path)
    _run_workers(clones)
    for clone in clones:
        assert _counts(clone) == (4 * RUNS_PER_CLONE, 8, 4)
