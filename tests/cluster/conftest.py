"""One real Ray cluster on loopback for the whole session, and a small numpy project.

The cluster is a head (2 CPUs) and a second worker node (2 CPUs), each ``ray start`` in
its own session with its own temp dir; it is started once, on first use, and stopped once
the tests of this folder have run (not left idle for the rest of the suite), after which
no process of it may be left.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cluster.raycluster import RayCluster, short_root, start_cluster
from tests.support.core import git
from tests.support.runs import git_ml, setup_ml_env

TRAIN = '''\
"""Logistic regression in numpy: params from params.yaml, loss per epoch, acc at the end."""
import json
from pathlib import Path

import numpy as np
import yaml

import gitml

params = yaml.safe_load(Path("params.yaml").read_text())["train"]
lr, epochs = float(params["lr"]), int(params["epochs"])
rng = np.random.default_rng(0)
x = rng.normal(size=(400, 3))
y = (x @ np.array([1.0, -2.0, 0.5]) + 0.3 * rng.normal(size=400) > 0).astype(float)
w = np.zeros(3)
for epoch in range(epochs):
    p = 1 / (1 + np.exp(-(x @ w)))
    w -= lr * x.T @ (p - y) / len(y)
    acc = float(np.mean(((x @ w) > 0) == (y > 0.5)))
    gitml.log_metric("loss", float(-np.mean(y * np.log(p + 1e-12) + (1 - y) * np.log(1 - p + 1e-12))), step=epoch)
    gitml.log_metric("acc", acc, step=epoch)
Path("model.json").write_text(json.dumps({"w": w.round(6).tolist()}))
'''

PARAMS = "train:\n  lr: 0.1\n  epochs: 3\n"


@pytest.fixture(scope="package")
def ray_cluster() -> Iterator[RayCluster]:
    ray_bin = Path(sys.executable).parent / "ray"
    assert ray_bin.exists(), "the test extra installs ray (pip install -e '.[test]')"
    root = short_root()
    cluster = start_cluster(root, ray_bin, head_cpus=2, worker_cpus=2)
    try:
        yield cluster
    finally:
        left = cluster.stop()
        shutil.rmtree(root, ignore_errors=True)
        assert not left, f"processes of the Ray cluster were still running: {left}"


@pytest.fixture
def on(ray_cluster: RayCluster) -> str:
    """The ``--on`` value of the session's cluster."""
    return f"ray://{ray_cluster.address}"


@pytest.fixture
def ml_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    return setup_ml_env(tmp_path, monkeypatch)


def make_project(repo: Path, store: Path) -> Path:
    """The numpy project, committed, with a data remote the nodes can reach."""
    (repo / "train.py").write_text(TRAIN)
    (repo / "params.yaml").write_text(PARAMS)
    (repo / ".gitignore").write_text("model.json\n__pycache__/\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "trainer")
    git_ml(repo, "init")
    git_ml(repo, "data", "remote", "add", "store", str(store), "--default")
    git(repo, "add", ".gitml")
    git(repo, "commit", "-q", "-m", "gitml")
    return repo


@pytest.fixture
def project(repo_with_commit: Path, ml_env: dict[str, str], tmp_path: Path) -> Path:
    store = tmp_path / "store"
    store.mkdir()
    return make_project(repo_with_commit, store)


def ls_json(repo: Path, *args: str) -> list[dict[str, Any]]:
    out = git_ml(repo, "ls", "--all", "--limit", "0", "--json", *args).stdout
    runs: list[dict[str, Any]] = json.loads(out)
    return runs


def sweep_of(stderr: str) -> str:
    """The sweep id ``git ml run`` reported."""
    for line in stderr.splitlines():
        if line.startswith("gitml: sweep "):
            return line.split()[2].rstrip(":")
    raise AssertionError(f"no sweep line in:\n{stderr}")


def node_processes(marker: str) -> list[int]:
    """Processes whose command line holds ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def committed_script(repo: Path, name: str, text: str, markers: Path) -> None:
    """Commit the script ``name`` and a params.yaml naming ``markers`` (members write there)."""
    (repo / name).write_text(text)
    (repo / "params.yaml").write_text(f"marker: {markers}\nk: 0\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", name)


def start_driver(repo: Path, *args: str) -> subprocess.Popen[str]:
    """``git ml ARGS`` in the background, its output captured."""
    return subprocess.Popen(
        ["git", "ml", *args], cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def wait_for_markers(markers: Path, count: int, driver: subprocess.Popen[str]) -> list[Path]:
    """The files members wrote into ``markers`` once there are ``count`` (fails if the driver
    ends first or they take over two minutes)."""
    deadline = time.monotonic() + 120
    while len(found := sorted(markers.iterdir())) < count:
        assert driver.poll() is None, driver.communicate()
        assert time.monotonic() < deadline, "the members did not start"
        time.sleep(0.2)
    return found
