"""A rerun can restore the data its run used: ``start_run`` records its inputs, and a run
that recorded none gets the version its checkpoint's pointer names, which the dry run
checks before it says "ready"."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.core import cli, git

SCRIPT = """\
import gitml
with gitml.start_run(name="local") as run:
    rows = open("data/t.csv").read().splitlines()
    run.log_metric("rows", len(rows))
"""


@pytest.fixture
def project(in_repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # the rerun runs the recorded `python train.py`: this interpreter, which has gitml
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    assert cli("init").exit_code == 0
    (in_repo / "data").mkdir()
    (in_repo / "data" / "t.csv").write_text("a,b\n1,2\n3,4\n")
    assert cli("data", "add", "data").exit_code == 0
    (in_repo / "train.py").write_text(SCRIPT)
    git(in_repo, "add", "-A")
    git(in_repo, "commit", "-q", "-m", "data and trainer")
    return in_repo


def local_run(project: Path) -> dict[str, Any]:
    subprocess.run([sys.executable, "train.py"], cwd=project, check=True)
    return json.loads(cli("show", "local", "--json").stdout)  # type: ignore[no-any-return]


def forget_inputs(project: Path, doc: dict[str, Any]) -> str:
    """Record a copy of run ``doc`` without inputs, as runs recorded before inputs were."""
    from gitml.records import ids
    from gitml.runs.save import save_run
    from gitml.runs.store import get_run
    from gitml.storage.repo import open_repo

    repo = open_repo(project)
    old = {**get_run(repo, doc["id"]), "id": ids.new_id(), "name": "old", "inputs": {}}
    save_run(repo, old, link_checkpoint=False)
    return str(old["id"])


def test_start_run_records_the_datasets_it_saw(project: Path) -> None:
    doc = local_run(project)
    assert list(doc["inputs"]) == ["data"]
    result = cli("rerun", "local")
    assert result.exit_code == 0, result
    assert "reproduced" in result.stdout


def test_a_run_without_recorded_inputs_gets_the_checkpoints_version(project: Path) -> None:
    old = forget_inputs(project, local_run(project))
    plan = cli("rerun", old, "--dry-run")
    assert plan.exit_code == 0, plan
    assert ": ready" in plan.stdout
    assert "input       data: cache (not recorded by the run; the checkpoint's pointer names" in (
        plan.stdout
    )
    result = cli("rerun", old)
    assert result.exit_code == 0, result
    assert "dataset 'data': run " in result.stderr + result.stdout
    assert "git ml data checkout" not in result.stderr


def test_the_dry_run_is_not_ready_when_that_version_is_nowhere(project: Path) -> None:
    old = forget_inputs(project, local_run(project))
    import shutil

    shutil.rmtree(project / ".git" / "gitml" / "cache")
    plan = cli("rerun", old, "--dry-run")
    assert plan.exit_code == 1, plan
    assert "ready" not in plan.stdout.splitlines()[0]
    assert "input 'data'" in plan.stdout + plan.stderr
    assert "is nowhere to be found" in plan.stdout + plan.stderr
    failed = cli("rerun", old)
    assert failed.exit_code == 1
    assert "recorded no version of dataset(s) data" in failed.stderr
    assert "git ml data checkout" not in failed.stderr


def test_two_names_of_one_interpreter_are_no_environment_difference(tmp_path: Path) -> None:
    from gitml.rerun.envdiff import compare_env

    real = tmp_path / "python3.11"
    real.write_text("")
    (tmp_path / "python").symlink_to(real)
    same = compare_env({"executable": str(tmp_path / "python")}, {"executable": str(real)}, [], [])
    assert not same
    other = tmp_path / "other"
    other.write_text("")
    differ = compare_env({"executable": str(real)}, {"executable": str(other)}, [], [])
    assert differ.fields == ["executable"]
