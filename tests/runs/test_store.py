"""Runs recorded in-process with ``gitml.start_run`` and read back by id, prefix or name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import gitml
from gitml.errors import AmbiguousId, RecordNotFound
from gitml.records import codec
from gitml.records.schema import validate
from gitml.runs.paths import history_path
from gitml.runs.record import note_line
from gitml.runs.store import InvalidRunRef, get_run, read_history, read_packages
from gitml.storage.collection import shard_of
from gitml.storage.repo import open_repo
from tests.support.core import git


def record(repo: Path, **kwargs: Any) -> dict[str, Any]:
    with gitml.start_run(path=repo, **kwargs) as run:
        run.log_metric("loss", 1.0)
        run.log_metric("loss", 0.5)
        gitml.log_metric("acc", 0.75)
    assert run.doc is not None
    return run.doc  # type: ignore[no-any-return]


def test_start_run_records_a_complete_run_readable_with_git(repo_with_commit: Path) -> None:
    repo = repo_with_commit
    (repo / "params.toml").write_text("[train]\nlr = 0.1\n")
    doc = record(repo, name="first", params={"batch": 32}, tags={"team": "a"}, message="try")
    path = f"runs/{shard_of(doc['id'])}/{doc['id']}.toml"
    stored = codec.loads(git(repo, "show", f"refs/gitml/runs:{path}"), where=path)
    validate(stored, "run", where=path)
    assert stored["params"] == {"train.lr": 0.1, "batch": 32}
    assert stored["metrics"] == {"acc": 0.75, "loss": 0.5}
    assert stored["metric_stats"]["loss"]["steps"] == 2
    assert stored["status"] == "completed"
    assert stored["exit_code"] == 0
    assert stored["tags"] == {"team": "a"}
    assert stored["message"] == "try"
    assert stored["code"]["untracked"] == ["params.toml"]
    assert stored["user"] == {"name": "Test User", "email": "test@example.com"}
    history = git(repo, "show", f"refs/gitml/runs:{history_path(path)}")
    assert history == "metric,step,value\nacc,0,0.75\nloss,0,1.0\nloss,1,0.5\n"
    head = git(repo, "rev-parse", "HEAD").strip()
    parents = git(repo, "rev-parse", "refs/gitml/runs^@").split()
    assert parents[1] == stored["code"]["checkpoint"] != head
    note = git(repo, "notes", "--ref=gitml", "show", head)
    assert (
        note
        == f'{doc["id"]} = {{ name = "first", status = "completed", acc = 0.75, loss = 0.5 }}\n'
    )
    subject = git(repo, "log", "-1", "--format=%s", "refs/gitml/runs").strip()
    assert subject == f"run {doc['id']} first completed acc=0.75 loss=0.5"
    assert "Gitml-Run: " + doc["id"] in git(repo, "log", "-1", "--format=%b", "refs/gitml/runs")
    git(repo, "fsck", "--strict")


def test_failed_and_interrupted_blocks(repo_with_commit: Path) -> None:
    def fail() -> None:
        with gitml.start_run(path=repo_with_commit) as run:
            runs.append(run)
            gitml.log_metric("acc", 0.1)
            raise ValueError("boom")

    runs: list[Any] = []
    with pytest.raises(ValueError, match="boom"):
        fail()
    (run,) = runs
    assert run.doc is not None
    assert (run.doc["status"], run.doc["exit_code"], run.doc["metrics"]) == (
        "failed",
        1,
        {"acc": 0.1},
    )
    with pytest.raises(KeyboardInterrupt), gitml.start_run(path=repo_with_commit) as run2:
        raise KeyboardInterrupt
    assert run2.doc is not None
    assert run2.doc["status"] == "interrupted"


def test_env_package_list_is_stored_once(repo_with_commit: Path) -> None:
    a = record(repo_with_commit)
    b = record(repo_with_commit)
    assert a["env"]["packages"] == b["env"]["packages"]
    env_files = git(repo_with_commit, "ls-tree", "--name-only", "refs/gitml/runs:env/").split()
    assert env_files == [a["env"]["packages"]["digest"].split(":")[1] + ".txt"]
    packages = read_packages(open_repo(repo_with_commit), a)
    assert len(packages) == a["env"]["packages"]["count"]


def test_get_run_by_id_prefix_and_name(repo_with_commit: Path) -> None:
    repo = open_repo(repo_with_commit)
    a = record(repo_with_commit, name="twin")
    b = record(repo_with_commit, name="twin")
    assert get_run(repo, a["id"])["id"] == a["id"]
    assert get_run(repo, a["id"].lower())["id"] == a["id"]
    assert get_run(repo, "twin")["id"] == b["id"]
    common = 0
    while a["id"][common] == b["id"][common]:
        common += 1
    assert get_run(repo, b["id"][: common + 1])["id"] == b["id"]
    with pytest.raises(AmbiguousId) as info:
        get_run(repo, a["id"][:common])
    assert a["id"] in str(info.value)
    assert b["id"] in str(info.value)
    with pytest.raises(RecordNotFound, match="no run matches 'nosuch'"):
        get_run(repo, "nosuch")
    with pytest.raises(RecordNotFound, match="no run with id"):
        get_run(repo, "0" * 26)
    with pytest.raises(InvalidRunRef, match="is not a run id, id prefix or run name"):
        get_run(repo, "bad id!")


def test_history_falls_back_to_summary(repo_with_commit: Path) -> None:
    with gitml.start_run(path=repo_with_commit) as run:
        gitml.log_metric("acc", 0.9)
    assert run.doc is not None
    events = read_history(open_repo(repo_with_commit), run.doc)
    assert [(e.name, e.step, e.value) for e in events] == [("acc", 0, 0.9)]


def test_note_keeps_one_line_per_run_up_to_a_cap(
    repo_with_commit: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tomllib

    from gitml.runs import notes

    monkeypatch.setattr(notes, "MAX_NOTE_RUNS", 2)
    docs = [record(repo_with_commit) for _ in range(4)]
    note = git(repo_with_commit, "notes", "--ref=gitml", "show", "HEAD")
    lines = note.splitlines()
    assert len(lines) == 3
    assert lines[:2] == sorted(note_line(d) for d in docs[:2])
    parsed = tomllib.loads(note)
    assert "code.commit = " in parsed["more"]
