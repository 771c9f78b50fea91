"""``git ml rerun --since/--sweep``, and runs whose checkpoint a clone lacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.rerun.rerun_support import isolated_project, latest, record
from tests.support.core import cli, git


@pytest.fixture
def project(in_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return isolated_project(in_repo, tmp_path, monkeypatch)


def _commit(repo: Path, message: str) -> str:
    (repo / "log.txt").write_text(message)
    git(repo, "add", "log.txt")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def test_since_reruns_completed_originals_made_after_rev(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = record("-n", "before")
    base = git(project, "rev-parse", "HEAD").strip()
    _commit(project, "one")
    first = record("-n", "first")
    _commit(project, "two")
    second = record("-n", "second")
    monkeypatch.setenv("TRAIN_EXIT", "1")
    failed = cli("run", "-n", "broken", "--", "python3", "train.py")
    assert failed.exit_code == 1
    monkeypatch.delenv("TRAIN_EXIT")
    broken = latest()
    plan = cli("rerun", "--since", base, "--dry-run", "--json")
    assert plan.exit_code == 0, plan
    data = json.loads(plan.stdout)
    assert [p["run"]["id"] for p in data["plans"]] == [first["id"], second["id"]]
    assert data["skipped"] == [
        {"run": {"id": broken["id"], "name": "broken"}, "reason": "failed, nothing to reproduce"}
    ]
    result = cli("rerun", "--since", base)
    assert result.exit_code == 0, result
    assert f"{first['id']}  first" in result.stdout
    assert f"{second['id']}  second" in result.stdout
    assert before["id"] not in result.stdout
    assert "2 runs: 2 reproduced\n" in result.stdout
    assert f"skipped {broken['id']} broken: failed, nothing to reproduce" in result.stdout
    again = json.loads(cli("rerun", "--since", base, "--json").stdout)
    assert [r["run"]["id"] for r in again["results"]] == [first["id"], second["id"]]
    assert {s["reason"] for s in again["skipped"]} >= {f"a rerun of {first['id']}"}
    bad = cli("rerun", "--since", "no-such-rev")
    assert bad.exit_code == 2
    assert "--since 'no-such-rev': not a commit in this repository" in bad.stderr


def test_sweep_reruns_every_member_and_reports_differences(project: Path, tmp_path: Path) -> None:
    result = cli(
        "run", "-n", "grid", "-M", "metrics.json", "-S", "seed=1,2", "--", "python3", "train.py"
    )
    assert result.exit_code == 0, result
    members = json.loads(cli("ls", "--json").stdout)
    sweep = members[0]["sweep"]
    assert len({m["sweep"] for m in members}) == 1
    (project / "params.json").write_text('{"seed": 9, "shift": 0.0}')  # not used by reruns
    out = cli("rerun", "--sweep", sweep[:12], "--json")
    assert out.exit_code == 0, out
    data = json.loads(out.stdout)
    assert sorted(r["run"]["name"] for r in data["results"]) == ["grid-1", "grid-2"]
    assert all(r["verdict"] == "reproduced" for r in data["results"])
    kept = cli("rerun", "--sweep", sweep, "--in", str(tmp_path / "kept"), "--json")
    assert kept.exit_code == 0, kept
    folders = sorted(p.name for p in (tmp_path / "kept").iterdir())
    assert folders == sorted(m["id"] for m in members)
    assert all((tmp_path / "kept" / f / "metrics.json").is_file() for f in folders)
    missing = cli("rerun", "--sweep", "ZZZZ")
    assert missing.exit_code == 1
    assert "no sweep matches 'ZZZZ'" in missing.stderr


def test_a_run_that_cannot_be_rerun_does_not_stop_the_set(project: Path) -> None:
    base = git(project, "rev-parse", "HEAD").strip()
    _commit(project, "one")
    record("-n", "good")
    recorded = cli("run", "-M", "metrics.json", "--", "python3", "train.py", "--token", "x")
    assert recorded.exit_code == 0, recorded
    hidden = latest()
    result = cli("rerun", "--since", base)
    assert result.exit_code == 1, result
    assert f"error: {hidden['id']} {hidden['name']}: run {hidden['id']}" in result.stderr
    assert "1 reproduced, 1 could not run" in result.stdout


def _shallow_clone(project: Path, tmp_path: Path) -> Path:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(project, "push", "-q", str(remote), "main", "refs/gitml/*:refs/gitml/*")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{remote}", str(clone))
    git(clone, "fetch", "-q", "--depth", "1", "origin", "refs/gitml/*:refs/gitml/*")
    return clone


def test_missing_checkpoint_in_a_shallow_clone_says_what_to_fetch(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "helper.py").write_text("x = 1\n")  # untracked: the checkpoint is its own commit
    run = record("-n", "old")
    assert run["code"]["checkpoint"] != run["code"]["commit"]
    _commit(project, "later")
    clone = _shallow_clone(project, tmp_path)
    monkeypatch.chdir(clone)
    shown = cli("show", run["id"])
    assert shown.exit_code == 0, shown
    result = cli("rerun", run["id"])
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: run {run['id']} (old): its code checkpoint {run['code']['checkpoint']} is not "
        "in this shallow clone; fetch the history with `git fetch --unshallow` (in CI: "
        "`git ml fetch --ci`) and rerun\n"
    )
    plan = cli("rerun", run["id"], "--dry-run")
    assert plan.exit_code == 1
    assert "problem     run" in plan.stdout
    git(clone, "fetch", "-q", "--unshallow", "origin", "refs/gitml/*:refs/gitml/*")
    assert json.loads(cli("rerun", run["id"], "--json").stdout)["verdict"] == "reproduced"


def test_missing_checkpoint_in_a_full_clone_says_to_pull(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / ".gitml").mkdir()
    (project / ".gitml" / "config.toml").write_text(
        'schema = "gitml/config/1"\n[runs]\nlink_checkpoints = false\n'
    )
    run = record("-n", "unlinked")
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(project, "push", "-q", str(remote), "main", "refs/gitml/*:refs/gitml/*")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", f"file://{remote}", str(clone))
    git(clone, "fetch", "-q", "origin", "refs/gitml/*:refs/gitml/*")
    monkeypatch.chdir(clone)
    result = cli("rerun", "unlinked")
    assert result.exit_code == 1
    assert f"its code checkpoint {run['code']['checkpoint']} is not in this clone" in result.stderr
    assert "runs.link_checkpoints = true" in result.stderr
