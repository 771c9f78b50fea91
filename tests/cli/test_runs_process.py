"""``git ml run`` as real processes: signals, concurrent writers, parallel sweeps."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.core import git
from tests.support.runs import PARAMS, git_ml, make_project, setup_ml_env


@pytest.fixture
def ml_project(repo_with_commit: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    setup_ml_env(tmp_path, monkeypatch)
    return make_project(repo_with_commit)


SLOW = """\
import sys, time
import gitml
for step in range(1000):
    gitml.log_metric("loss", 1.0 / (step + 1), step=step)
    if step == 2:
        print("ready", flush=True)
    time.sleep(0.05)
"""


def runs(repo: Path) -> list[dict[str, object]]:
    return json.loads(git_ml(repo, "ls", "--all", "--limit", "0", "--json").stdout)  # type: ignore[no-any-return]


def test_smoke_through_git_with_unbuffered_passthrough(ml_project: Path) -> None:
    proc = git_ml(ml_project, "run", "-M", "metrics.json", "--", sys.executable, "train.py")
    assert proc.stdout.startswith("acc=")
    assert "gitml: run " in proc.stderr
    (run,) = runs(ml_project)
    assert run["status"] == "completed"
    note = git(ml_project, "log", "-1", "--notes=gitml", "--format=%N", "HEAD")
    assert note.startswith(f'{run["id"]} = {{ name = "{run["name"]}", status = "completed", acc = ')


def test_sigint_to_the_process_group_records_interrupted_with_partial_metrics(
    ml_project: Path,
) -> None:
    (ml_project / "slow.py").write_text(SLOW)
    proc = subprocess.Popen(
        ["git-ml", "run", "-n", "slow", "--", sys.executable, "slow.py"],
        cwd=ml_project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == "ready\n"
    os.killpg(proc.pid, signal.SIGINT)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    (run,) = runs(ml_project)
    assert run["status"] == "interrupted"
    assert run["exit_code"] == 130
    stats = run["metric_stats"]["loss"]  # type: ignore[index]
    assert 3 <= stats["steps"] < 1000
    assert "slow interrupted (exit 130)" in err


def test_sigterm_to_gitml_alone_is_forwarded(ml_project: Path) -> None:
    (ml_project / "slow.py").write_text(SLOW)
    proc = subprocess.Popen(
        ["git", "ml", "run", "--", sys.executable, "slow.py"],
        cwd=ml_project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == "ready\n"
    gitml_pid = int(
        subprocess.run(
            ["pgrep", "-P", str(proc.pid)], capture_output=True, text=True, check=False
        ).stdout.split()[0]
        or proc.pid
    )
    os.kill(gitml_pid, signal.SIGTERM)
    proc.communicate(timeout=30)
    assert proc.returncode == 128 + signal.SIGTERM
    (run,) = runs(ml_project)
    assert run["status"] == "interrupted"


def test_eight_concurrent_runs_are_all_recorded(ml_project: Path) -> None:
    procs = [
        subprocess.Popen(
            [
                "git",
                "ml",
                "run",
                "-n",
                f"c{i}",
                "--",
                sys.executable,
                "-c",
                f"import gitml; gitml.log_metric('i', {i})",
            ],
            cwd=ml_project,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(8)
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    found = runs(ml_project)
    assert sorted(str(r["name"]) for r in found) == [f"c{i}" for i in range(8)]
    assert sorted(r["metrics"]["i"] for r in found) == list(range(8))  # type: ignore[index]
    notes = git(ml_project, "notes", "--ref=gitml", "show", "HEAD").splitlines()
    assert len(notes) == 8
    git(ml_project, "fsck", "--strict")


def test_parallel_sweep_runs_every_member_in_its_own_worktree(ml_project: Path) -> None:
    (ml_project / "untracked_helper.py").write_text("VALUE = 1\n")
    script = "import untracked_helper, yaml; print(yaml.safe_load(open('params.yaml')))"
    start = time.monotonic()
    proc = git_ml(
        ml_project,
        "run",
        "--jobs",
        "2",
        "-S",
        "train.lr=0.1,0.2",
        "-S",
        "train.epochs=1,2",
        "--",
        sys.executable,
        "-c",
        script,
    )
    assert time.monotonic() - start < 60
    found = runs(ml_project)
    assert len(found) == 4
    assert len({r["sweep"] for r in found}) == 1
    combos = {(r["params"]["train.lr"], r["params"]["train.epochs"]) for r in found}  # type: ignore[index]
    assert combos == {(0.1, 1), (0.1, 2), (0.2, 1), (0.2, 2)}
    codes = [r["code"] for r in found]
    assert all(c["branch"] == "main" for c in codes), codes  # type: ignore[index]
    assert all(c["untracked"] == ["untracked_helper.py"] for c in codes), codes  # type: ignore[index]
    assert f"sweep = '{found[0]['sweep']}'" in proc.stderr
    assert (ml_project / "params.yaml").read_text() == PARAMS
    assert git(ml_project, "worktree", "list").count("\n") == 1
    sweep = found[0]["sweep"]
    listed = json.loads(git_ml(ml_project, "ls", "--where", f"sweep = '{sweep}'", "--json").stdout)
    assert len(listed) == 4


def test_failing_sweep_member_does_not_stop_the_others(ml_project: Path) -> None:
    proc = git_ml(
        ml_project,
        "run",
        "--jobs",
        "2",
        "-S",
        "params.yaml:exit_code=0,1,0",
        "--",
        sys.executable,
        "train.py",
        check=False,
    )
    assert proc.returncode == 1
    statuses = sorted(str(r["status"]) for r in runs(ml_project))
    assert statuses == ["completed", "completed", "failed"]
