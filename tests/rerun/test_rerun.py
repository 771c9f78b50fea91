"""``git ml rerun``: verdicts, checkpoints, params, the user's tree left alone, sets, show."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.rerun.rerun_support import (
    config,
    isolated_project,
    latest,
    record,
    rerun_json,
)
from tests.support.core import cli, git


@pytest.fixture
def project(in_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return isolated_project(in_repo, tmp_path, monkeypatch)


def _leftovers(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in (tmp_path / "tmp").iterdir())


def test_rerun_of_deterministic_run_is_reproduced(project: Path, tmp_path: Path) -> None:
    run = record("-n", "base")
    result = cli("rerun", "base")
    assert result.exit_code == 0, result
    assert result.stdout.startswith(f"rerun of {run['id']} base: reproduced\n")
    lines = result.stdout.splitlines()
    assert lines[2].split() == ["metric", "recorded", "rerun", "delta", "rel", "tolerance"]
    assert lines[3].split()[0] == "acc"
    assert lines[3].split()[3:] == ["0", "0", "1e-06", "ok"]
    assert "environment: as recorded" in result.stdout
    rerun = latest()
    assert rerun["parent"] == run["id"]
    assert rerun["name"] == "base-rerun"
    assert rerun["rerun"]["verdict"] == "reproduced"
    assert rerun["metrics"] == run["metrics"]
    assert rerun["code"]["checkpoint"] == run["code"]["checkpoint"]
    assert rerun["declared"] == {"metrics": ["metrics.json"]}
    assert _leftovers(tmp_path) == []
    assert git(project, "worktree", "list", "--porcelain").count("worktree ") == 1


def test_rerun_after_a_code_change_still_uses_the_checkpoint(project: Path) -> None:
    run = record("-n", "old")
    (project / "train.py").write_text((project / "train.py").read_text().replace("0.8 +", "0.5 +"))
    git(project, "commit", "-q", "-am", "change the model")
    changed = record("-n", "new")
    assert changed["metrics"]["acc"] != run["metrics"]["acc"]
    data = rerun_json("old")
    assert data["verdict"] == "reproduced"
    assert data["metrics"][0]["actual"] == run["metrics"]["acc"]
    assert data["rerun"]["checkpoint"] == run["code"]["checkpoint"]


def test_unseeded_random_run_differs_and_shows_deltas(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UNSEEDED", "1")
    run = record("-n", "noisy")
    result = cli("rerun", "noisy")
    assert result.exit_code == 1, result
    assert result.stdout.startswith(f"rerun of {run['id']} noisy: differs\n")
    assert "DIFFERS" in result.stdout
    assert "why: metric acc: " in result.stdout
    data = rerun_json("noisy", code=1)
    (acc,) = [m for m in data["metrics"] if m["name"] == "acc"]
    assert acc["ok"] is False
    assert acc["delta"] == pytest.approx(acc["actual"] - run["metrics"]["acc"])
    assert acc["rel"] > 1e-6
    (size,) = [m for m in data["metrics"] if m["name"] == "bytes"]
    assert size["ok"] is True


def test_tolerance_from_the_command_line_and_config(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UNSEEDED", "1")
    record("-n", "noisy")
    assert rerun_json("noisy", "--tolerance", "0.5")["verdict"] == "reproduced"
    assert rerun_json("noisy", "-T", "0.5", "-T", "acc=0", code=1)["verdict"] == "differs"
    config(project, "[runs.tolerance]\nacc = 0.5\n")
    data = rerun_json("noisy")
    assert data["verdict"] == "reproduced"
    assert {m["name"]: m["tolerance"] for m in data["metrics"]} == {"acc": 0.5, "bytes": 1e-6}
    bad = cli("rerun", "noisy", "--tolerance", "-1")
    assert bad.exit_code == 2
    assert "--tolerance '-1': expected a relative tolerance" in bad.stderr


def test_rerun_leaves_work_tree_index_and_head_untouched(project: Path, tmp_path: Path) -> None:
    run = record("-n", "base")
    (project / "train.py").write_text("raise SystemExit('not the checkpoint')\n")
    (project / "params.json").write_text('{"seed": 2}')
    git(project, "add", "params.json")
    (project / "notes.txt").write_text("untracked\n")
    (project / "metrics.json").write_text("{}")

    def snapshot() -> dict[str, bytes]:
        files = {}
        for path in sorted(project.rglob("*")):
            if path.is_file() and ".git" not in path.relative_to(project).parts:
                files[path.relative_to(project).as_posix()] = path.read_bytes()
        files[".git/index"] = (project / ".git" / "index").read_bytes()
        files[".git/HEAD"] = (project / ".git" / "HEAD").read_bytes()
        return files

    status = git(project, "--no-optional-locks", "status", "--porcelain")
    head = git(project, "rev-parse", "HEAD")
    before = snapshot()
    data = rerun_json("base")
    assert data["verdict"] == "reproduced"
    assert data["metrics"][0]["actual"] == run["metrics"]["acc"]
    assert snapshot() == before
    assert git(project, "--no-optional-locks", "status", "--porcelain") == status
    assert git(project, "rev-parse", "HEAD") == head
    assert _leftovers(tmp_path) == []
    assert git(project, "worktree", "list", "--porcelain").count("worktree ") == 1


def test_rerun_restores_the_params_the_run_saw(project: Path) -> None:
    run = record("-n", "shifted", "-S", "shift=0.05")
    assert run["params"]["shift"] == 0.05
    data = rerun_json("shifted")
    assert data["verdict"] == "reproduced"
    assert latest()["params"]["shift"] == 0.05


def test_what_if_rerun_is_never_reproduced(project: Path) -> None:
    run = record("-n", "base")
    data = rerun_json("base", "--set", "shift=0.0", code=1)
    assert data["verdict"] == "differs"
    assert data["what_if"] == ["shift=0.0"]
    assert "a what-if rerun is never 'reproduced'" in data["reasons"][0]
    compared_equal = [m["name"] for m in data["metrics"] if m["ok"]]
    assert compared_equal == ["acc", "bytes"]
    changed = rerun_json("base", "-S", "shift=0.5", code=1)
    assert changed["metrics"][0]["actual"] == pytest.approx(run["metrics"]["acc"] + 0.5)
    rerun = latest()
    assert rerun["params"]["shift"] == 0.5
    assert rerun["rerun"]["what_if"] == ["shift=0.5"]
    assert rerun["message"] == f"rerun of {run['id']} with shift=0.5"
    assert rerun["code"]["checkpoint"] != run["code"]["checkpoint"]
    assert json.loads((project / "params.json").read_text())["shift"] == 0.0
    sweep = cli("rerun", "base", "-S", "shift=1,2")
    assert sweep.exit_code == 2
    assert "--set takes one value per param" in sweep.stderr


def test_failed_rerun_exits_with_the_commands_code(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = record("-n", "base")
    monkeypatch.setenv("TRAIN_EXIT", "3")
    result = cli("rerun", "base")
    assert result.exit_code == 3, result
    assert result.stdout.startswith(f"rerun of {run['id']} base: failed\n")
    assert "why: the command failed with exit code 3" in result.stdout
    assert latest()["rerun"]["verdict"] == "failed"


def test_environment_differences_are_reported_not_judged(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    record("-n", "base")
    monkeypatch.setenv("OMP_NUM_THREADS", "4")
    result = cli("rerun", "base")
    assert result.exit_code == 0, result
    assert "environment differs from the recorded one:\n  vars.OMP_NUM_THREADS  1 -> 4\n" in (
        result.stdout
    )
    assert latest()["rerun"]["env"] == ["vars.OMP_NUM_THREADS"]


def test_rerun_runs_in_the_same_relative_folder(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sub = project / "src"
    sub.mkdir()
    (sub / "where.py").write_text(
        "import json, pathlib\n"
        "here = pathlib.Path.cwd()\n"
        "found = int(here.name == 'src' and (here.parent / 'train.py').is_file())\n"
        "pathlib.Path('metrics.json').write_text(json.dumps({'in_src': found}))\n"
    )
    git(project, "add", "src/where.py")
    git(project, "commit", "-q", "-m", "where")
    monkeypatch.chdir(sub)
    result = cli("run", "-n", "deep", "-M", "metrics.json", "--", sys.executable, "where.py")
    assert result.exit_code == 0, result
    run = latest()
    assert run["cwd"] == "src"
    assert run["metrics"] == {"in_src": 1}
    data = rerun_json("deep")
    assert data["verdict"] == "reproduced"
    assert latest()["cwd"] == "src"


def test_in_dir_keeps_the_worktree(project: Path, tmp_path: Path) -> None:
    record("-n", "base")
    keep = tmp_path / "kept"
    data = rerun_json("base", "--in", str(keep))
    assert data["worktree"] == str(keep)
    assert (keep / "metrics.json").is_file()
    assert (keep / "train.py").is_file()
    assert str(keep) in git(project, "worktree", "list")
    again = cli("rerun", "base", "--in", str(keep))
    assert again.exit_code == 2
    assert "exists and is not an empty folder" in again.stderr


def test_show_lists_reruns_and_their_verdicts(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = record("-n", "base")
    first = rerun_json("base")
    second = rerun_json("base", "-S", "shift=1.0", code=1)
    shown = cli("show", "base")
    assert shown.exit_code == 0, shown
    tail = shown.stdout.split("\nreruns\n", 1)[1].splitlines()
    assert tail[0].startswith(f"  {first['rerun']['id']}  base-rerun  reproduced  ")
    assert tail[1].startswith(
        f"  {second['rerun']['id']}  base-rerun  differs (what-if: shift=1.0)"
    )
    data = json.loads(cli("show", "base", "--json").stdout)
    assert [(r["id"], r["verdict"]) for r in data["reruns"]] == [
        (first["rerun"]["id"], "reproduced"),
        (second["rerun"]["id"], "differs"),
    ]
    differing = json.loads(cli("ls", "--where", "rerun.verdict = 'differs'", "--json").stdout)
    assert [r["id"] for r in differing] == [second["rerun"]["id"]]
    child = cli("show", first["rerun"]["id"])
    assert child.exit_code == 0, child
    assert f"parent    {run['id']}" in child.stdout
    assert f"rerun of {run['id']}: reproduced" in child.stdout
    assert json.loads(cli("show", first["rerun"]["id"], "--json").stdout)["reruns"] == []


def test_unknown_run_is_a_clear_error(project: Path) -> None:
    result = cli("rerun", "no-such-run")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: no run matches 'no-such-run' (id, id prefix or name); "
        "`git ml ls --all` lists runs\n"
    )
    usage = cli("rerun")
    assert usage.exit_code == 2
    assert "name one run (RUN), or a set with --since REV or --sweep ID" in usage.stderr


def test_redacted_command_cannot_be_rerun(project: Path) -> None:
    result = cli(
        "run", "-M", "metrics.json", "--", sys.executable, "train.py", "--api-token", "s3cret"
    )
    assert result.exit_code == 0, result
    rerun = cli("rerun", latest()["id"])
    assert rerun.exit_code == 1
    assert "gitml hid secret values of its command" in rerun.stderr
    assert "--api-token ***" in rerun.stderr
