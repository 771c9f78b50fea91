"""Bad clusters: one line naming the problem, nothing recorded, no member half-written."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from tests.cluster.conftest import ls_json
from tests.cluster.raycluster import RayCluster, free_port
from tests.support.core import git
from tests.support.runs import git_ml


def _nothing_recorded(repo: Path) -> None:
    assert git(repo, "for-each-ref", "refs/gitml/runs", "refs/notes/").strip() == ""


def _one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def _refs(repo: Path) -> str:
    """Every ref with its object: equal before and after means nothing was written."""
    return git(repo, "for-each-ref", "--format=%(refname) %(objectname)")


def _unreachable(repo: Path, address: str, command: str, *args: str) -> None:
    """``git ml COMMAND --on ray://ADDRESS ARGS`` fails fast with one line, writes nothing."""
    before = _refs(repo)
    started = time.monotonic()
    result = git_ml(repo, *command.split(), "--on", f"ray://{address}", *args, check=False)
    assert time.monotonic() - started < 30
    assert result.returncode != 0
    assert f"cannot reach the Ray head at {address}" in _one_line(result.stderr)
    assert _refs(repo) == before


def test_unreachable_address_is_one_line_within_seconds(project: Path) -> None:
    address = f"127.0.0.1:{free_port('127.0.0.1')}"
    _unreachable(project, address, "run", "-S", "train.lr=0.1,0.2", "--", "python", "train.py")
    _nothing_recorded(project)
    bad = git_ml(project, "run", "--on", "ray:/nowhere", "--", "true", check=False)
    assert bad.returncode == 2, bad
    assert "expected ray or ray://HOST:PORT" in _one_line(bad.stderr)
    _nothing_recorded(project)

    git_ml(project, "run", "-n", "here", "--", "true")
    _unreachable(project, address, "rerun", "here")
    _unreachable(project, address, "rerun", "--since", "HEAD~1")
    git_ml(project, "queue", "add", "-n", "later", "--", "true")
    _unreachable(project, address, "queue start")
    queued = json.loads(git_ml(project, "queue", "status", "--json").stdout)
    assert [(e["name"], e["state"]) for e in queued] == [("later", "queued")]  # not claimed
    assert [r["name"] for r in ls_json(project)] == ["here"]


def test_a_module_the_nodes_lack_stops_the_sweep_with_nothing_recorded(
    project: Path, on: str, tmp_path: Path
) -> None:
    only_here = tmp_path / "only-here"
    only_here.mkdir()
    (only_here / "localhelper.py").write_text("VALUE = 1\n")
    (project / "uses.py").write_text("import localhelper\nprint(localhelper.VALUE)\n")
    git(project, "add", "uses.py")
    git(project, "commit", "-q", "-m", "uses a module only this machine has")
    env = {**os.environ, "PYTHONPATH": f"{only_here}{os.pathsep}{os.environ['PYTHONPATH']}"}
    result = git_ml(project, "run", "--on", on, "-S", "train.lr=0.1,0.2,0.3", "--", "python", "uses.py", check=False, env=env)  # fmt: skip
    assert result.returncode != 0
    # the command's own output comes back through Ray's log; gitml's verdict is one line
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("gitml:")]
    assert "cannot import 'localhelper'" in line
    assert "install it on every node" in line
    assert "nothing was recorded" in line
    _nothing_recorded(project)


def _wait_node_gone(cluster: RayCluster, ip: str) -> None:
    """Until the head no longer counts the node at ``ip`` as alive."""
    probe = (
        "import ray, sys; ray.init(address=sys.argv[1], logging_level='ERROR'); "
        "print(any(n['Alive'] and n['NodeManagerAddress'] == sys.argv[2] for n in ray.nodes()))"
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        out = subprocess.run(
            [sys.executable, "-c", probe, cluster.address, ip],
            capture_output=True, text=True, check=False, env=cluster.env,
        )  # fmt: skip
        if out.stdout.strip().endswith("False"):
            return
        time.sleep(1)
    raise AssertionError(f"the head still counts node {ip} as alive")


def test_a_node_without_git_is_named_before_anything_runs(
    project: Path, on: str, ray_cluster: RayCluster, tmp_path: Path
) -> None:
    bare = tmp_path / "no-git-bin"
    bare.mkdir()
    for tool in ("sh", "env"):
        found = shutil.which(tool)
        assert found is not None
        (bare / tool).symlink_to(found)
    path = f"{Path(sys.executable).parent}{os.pathsep}{bare}"
    node = ray_cluster.add_worker(1, path=path)
    try:
        result = git_ml(project, "run", "--on", on, "-S", "train.lr=0.1,0.2", "--", "python", "train.py", check=False)  # fmt: skip
    finally:
        ray_cluster.stop_node(node)
        ray_cluster.nodes.remove(node)
        _wait_node_gone(ray_cluster, node.ip)
    assert result.returncode != 0
    line = _one_line(result.stderr)
    assert f"Ray node {node.ip} has no git on its PATH" in line
    _nothing_recorded(project)
