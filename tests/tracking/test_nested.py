"""Nested runs, set_tags, end_run and timestamps: in-process and under ``git ml run``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

import gitml
from gitml.errors import UsageError
from gitml.runs.metrics import load_history
from gitml.runs.paths import history_path, runs_collection
from gitml.storage.repo import open_repo
from tests.support.core import git
from tests.support.runs import git_ml, setup_ml_env


def test_nested_local_runs_link_their_parent_and_share_its_checkpoint(in_repo: Path) -> None:
    with gitml.start_run(run_name="outer", tags={"team": "a"}) as outer:
        gitml.log_param("alpha", 0.5)
        with gitml.start_run(run_name="inner", nested=True) as inner:
            gitml.log_metric("loss", 0.25, step=3, timestamp=1_700_000_000_123)
            gitml.set_tags({"fold": 1, "kind": "cv"})
        assert gitml.active_run() is outer
        gitml.log_metric("acc", 0.9)
    assert outer.doc is not None
    assert inner.doc is not None
    assert inner.doc["parent"] == outer.id
    assert outer.doc.get("parent") is None
    assert inner.doc["code"]["checkpoint"] == outer.doc["code"]["checkpoint"]
    assert inner.doc["tags"] == {"fold": "1", "kind": "cv"}
    assert inner.doc["params"] == {}
    assert outer.doc["params"] == {"alpha": 0.5}
    assert outer.doc["tags"] == {"team": "a"}
    assert gitml.active_run() is None
    path = runs_collection(open_repo(in_repo)).record_path(inner.id)
    history = git(in_repo, "show", f"refs/gitml/runs:{history_path(path)}")
    assert history == "metric,step,value,timestamp\nloss,3,0.25,1700000000123\n"
    assert load_history(history.encode())[0].timestamp == 1_700_000_000_123


def test_a_second_top_level_run_needs_nested(in_repo: Path) -> None:
    with gitml.start_run() as run:
        with pytest.raises(UsageError, match="nested=True"):
            gitml.start_run()
        run.log_metric("x", 1)


def test_end_run_takes_mlflow_statuses(in_repo: Path) -> None:
    run = gitml.start_run(description="a try")
    gitml.end_run("KILLED")
    assert run.doc is not None
    assert (run.doc["status"], run.doc["message"]) == ("interrupted", "a try")
    gitml.end_run()  # nothing active: no error


NESTED = """\
import gitml
with gitml.start_run(run_name="sweep") as outer:
    gitml.log_param("grid", "small")
    for i in range(3):
        with gitml.start_run(run_name=f"trial-{i}", nested=True) as child:
            gitml.log_params({"i": i})
            gitml.log_metric("score", i / 10)
            if i == 1:
                outer.set_tag("gitml.best_run", child.id)
gitml.start_run(run_name="unfinished")  # a later top-level run: a child of the command's
gitml.log_metric("score", 0.0)
with gitml.start_run(run_name="left-open", nested=True):
    raise SystemExit(0)
"""


def test_nested_runs_under_git_ml_run_are_recorded_beside_the_command(
    repo_with_commit: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup_ml_env(tmp_path, monkeypatch)
    (repo_with_commit / "train.py").write_text(NESTED)
    proc = git_ml(repo_with_commit, "run", "--", sys.executable, "train.py")
    assert proc.returncode == 0, proc.stderr
    runs = json.loads(git_ml(repo_with_commit, "ls", "--all", "--json", "--limit", "0").stdout)
    by_name = {r["name"]: r for r in runs}
    assert set(by_name) == {"sweep", "trial-0", "trial-1", "trial-2", "left-open", "unfinished"}
    command = by_name["sweep"]
    assert command["params"] == {"grid": "small"}
    for i in range(3):
        trial = by_name[f"trial-{i}"]
        assert trial["parent"] == command["id"]
        assert trial["params"] == {"i": i}
        assert trial["metrics"] == {"score": i / 10}
        assert trial["status"] == "completed"
        assert trial["code"] == command["code"]
    assert by_name["trial-1"]["tags"].get("gitml.best") == "true"
    assert "gitml.best" not in by_name["trial-0"]["tags"]
    left_open = by_name["left-open"]  # SystemExit(0) is no failure
    assert (left_open["status"], left_open["parent"]) == ("completed", by_name["unfinished"]["id"])
    # never ended: it takes the command's status and end
    unfinished = by_name["unfinished"]
    assert unfinished["status"] == command["status"] == "completed"
    assert (unfinished["parent"], unfinished["ended"]) == (command["id"], command["ended"])
    spool = repo_with_commit / ".git" / "gitml" / "spool"
    assert not list(spool.iterdir())
