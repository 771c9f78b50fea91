"""The run queue: entries on their own ref, drained once each, across clones and runners."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.core import git
from tests.support.runs import git_ml, make_project, setup_ml_env


@pytest.fixture
def ml_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    return setup_ml_env(tmp_path, monkeypatch)


@pytest.fixture
def project(repo_with_commit: Path, ml_env: dict[str, str]) -> Path:
    repo = make_project(repo_with_commit)
    git_ml(repo, "init")
    git(repo, "add", ".gitml")
    git(repo, "commit", "-q", "-m", "gitml")
    return repo


def status(repo: Path) -> dict[str, dict[str, Any]]:
    entries = json.loads(git_ml(repo, "queue", "status", "--json").stdout)
    return {e["name"]: e for e in entries}


def runs(repo: Path) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(
        git_ml(repo, "ls", "--all", "--limit", "0", "--json").stdout
    )
    return found


def test_entries_added_in_one_clone_run_once_in_another_after_a_pull(
    project: Path, remote: Path, tmp_path: Path
) -> None:
    (project / "params.yaml").write_text("train:\n  lr: 0.3\n  epochs: 2\nmodel: logreg\n")
    git_ml(project, "queue", "add", "-n", "pinned", "--", "python", "train.py")
    git(project, "checkout", "--", "params.yaml")  # the entry keeps the code it was added with
    git_ml(project, "queue", "add", "-n", "one", "-S", "train.epochs=3", "--", "python", "train.py")
    git_ml(project, "queue", "add", "-n", "grid", "-S", "train.lr=0.1,0.2", "--", "python", "train.py")  # fmt: skip
    assert {e["state"] for e in status(project).values()} == {"queued"}
    assert runs(project) == []

    git(project, "remote", "add", "origin", str(remote))
    git(project, "push", "-q", "origin", "HEAD")
    git_ml(project, "push", "--no-data")
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(remote), str(other))
    git_ml(other, "pull")
    started = git_ml(other, "queue", "start", "--workers", "2", "--include-pulled")
    assert "queue drained: 3 ran, 0 did not complete" in started.stderr

    entries = status(other)
    assert {name: e["state"] for name, e in entries.items()} == {
        "pinned": "done",
        "one": "done",
        "grid": "done",
    }
    recorded = runs(other)
    assert len(recorded) == 4  # one, pinned, and the grid's two members
    assert len({r["id"] for r in recorded}) == 4
    by_id = {r["id"]: r for r in recorded}
    assert sorted(rid for e in entries.values() for rid in e["runs"]) == sorted(by_id)
    pinned = by_id[entries["pinned"]["runs"][0]]
    assert pinned["params"]["train.lr"] == 0.3
    assert pinned["params"]["train.epochs"] == 2
    assert by_id[entries["one"]["runs"][0]]["params"]["train.epochs"] == 3
    assert sorted(by_id[r]["params"]["train.lr"] for r in entries["grid"]["runs"]) == [0.1, 0.2]
    assert all(r["status"] == "completed" for r in recorded)
    log = git_ml(other, "queue", "logs", "one").stdout
    assert "acc=" in log  # what the command printed

    git_ml(other, "push", "--no-data")
    git_ml(project, "pull")
    assert {e["state"] for e in status(project).values()} == {"done"}
    assert sorted(r["id"] for r in runs(project)) == sorted(by_id)
    missing = git_ml(project, "queue", "logs", "one", check=False)
    assert missing.returncode != 0
    assert "logs stay in the clone that ran it" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1


def test_two_runners_at_once_run_every_entry_exactly_once(project: Path) -> None:
    names = [f"e{i}" for i in range(8)]
    for name in names:
        git_ml(project, "queue", "add", "-n", name, "-S", "train.epochs=1", "--", "python", "train.py")  # fmt: skip
    runners = [
        subprocess.Popen(
            ["git", "ml", "queue", "start", "--workers", "2"],
            cwd=project,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [r.communicate(timeout=300) for r in runners]
    assert [r.returncode for r in runners] == [0, 0], outputs
    started = [line for _, err in outputs for line in err.splitlines() if "started" in line]
    assert sorted(line.split()[-1] for line in started) == names  # each claimed by one runner

    entries = status(project)
    assert {e["state"] for e in entries.values()} == {"done"}
    assert {e["claims"] for e in entries.values()} == {1}
    recorded = runs(project)
    assert len(recorded) == len(names)
    assert sorted(r["name"] for r in recorded) == names
    assert sorted(rid for e in entries.values() for rid in e["runs"]) == sorted(
        r["id"] for r in recorded
    )


def _wait_for(repo: Path, name: str, state: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while status(repo)[name]["state"] != state:
        assert time.monotonic() < deadline, f"{name} never became {state}: {status(repo)[name]}"
        time.sleep(0.3)


def test_cancel_stops_a_running_entry_and_skips_a_queued_one(project: Path) -> None:
    git_ml(project, "queue", "add", "-n", "long", "--", "python", "-c", "import time; time.sleep(60)")  # fmt: skip
    git_ml(project, "queue", "add", "-n", "later", "--", "python", "train.py")
    runner = subprocess.Popen(
        ["git", "ml", "queue", "start"],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(project, "long", "running")
        time.sleep(1.0)
        cancelled = git_ml(project, "queue", "cancel", "later", "long")
        assert "stopping" in cancelled.stderr
        _, err = runner.communicate(timeout=60)
    finally:
        if runner.poll() is None:
            runner.kill()
    assert runner.returncode == 1, err
    entries = status(project)
    assert entries["later"]["state"] == "cancelled"
    assert entries["later"]["runs"] == []
    assert entries["long"]["state"] == "failed"
    (run,) = runs(project)  # "later" never ran
    assert run["id"] == entries["long"]["runs"][0]
    assert run["status"] == "interrupted"

    again = git_ml(project, "queue", "cancel", "long", check=False)
    assert again.returncode != 0
    assert again.stderr.strip().count("\n") == 0
    assert "already" in again.stderr
    unknown = git_ml(project, "queue", "cancel", "nosuch", check=False)
    assert unknown.returncode != 0
    assert "Traceback" not in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()) == 1


def test_queue_add_without_a_command_records_nothing(project: Path) -> None:
    result = git_ml(project, "queue", "add", "-n", "x", check=False)
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert git(project, "for-each-ref", "refs/gitml/").strip() == ""
    empty = git_ml(project, "queue", "start")
    assert "0 ran" in empty.stderr or "empty" in empty.stderr


def test_a_pull_refuses_queue_records_edited_or_misfiled_by_hand(
    project: Path, remote: Path, tmp_path: Path
) -> None:
    from tests.integrity.forge import forge_commit

    git_ml(project, "queue", "add", "-n", "honest", "--", "python", "train.py")
    git(project, "remote", "add", "origin", str(remote))
    git(project, "push", "-q", "origin", "HEAD")
    git_ml(project, "push", "--no-data")
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(remote), str(other))
    git_ml(other, "pull")
    (entry,) = status(other).values()
    path = next(
        p
        for p in git(project, "ls-tree", "-r", "--name-only", "refs/gitml/queue").split()
        if p.endswith(f"{entry['id']}.toml")
    )
    tip = git(project, "rev-parse", "refs/gitml/queue").strip()
    text = git(project, "show", f"{tip}:{path}")
    forged = forge_commit(project, tip, add={path: text.replace("train.py", "evil.py")})
    git(project, "push", "-q", "-f", "origin", f"{forged}:refs/gitml/queue")
    refused = git_ml(other, "pull", check=False)
    assert refused.returncode != 0
    assert path in refused.stderr
    assert status(other)[entry["name"]]["command"] == ["python", "train.py"]

    shard = "00" if path.split("/")[1] != "00" else "01"
    misfiled = f"queue/{shard}/{path.split('/')[2]}"
    moved = forge_commit(project, tip, add={misfiled: text})
    git(project, "push", "-q", "-f", "origin", f"{moved}:refs/gitml/queue")
    refused = git_ml(other, "pull", check=False)
    assert refused.returncode != 0
    assert "outside its shard" in refused.stderr
    assert len(status(other)) == 1
