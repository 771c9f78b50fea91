"""``git ml run/ls/show/compare`` in-process through the real entry point."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.core import cli, git
from tests.support.runs import PARAMS, make_project, setup_ml_env


@pytest.fixture
def ml_project(repo_with_commit: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    setup_ml_env(tmp_path, monkeypatch)
    return make_project(repo_with_commit)


PY = sys.executable
CONTRACT = {
    "id",
    "name",
    "status",
    "started",
    "duration_s",
    "exit_code",
    "command",
    "params",
    "metrics",
    "code",
    "inputs",
    "outputs",
    "env",
    "tags",
    "sweep",
}


@pytest.fixture
def here(ml_project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(ml_project)
    return ml_project


def runs_json(*args: str) -> list[dict[str, Any]]:
    result = cli("ls", "--json", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def run_ids(repo: Path) -> list[str]:
    listing = git(repo, "ls-tree", "-r", "--name-only", "refs/gitml/runs", check=False)
    return sorted(
        p.rsplit("/", 1)[1][:-5]
        for p in listing.split()
        if p.endswith(".toml") and p.startswith("runs/")
    )


def test_three_runs_query_sort_and_compare(here: Path) -> None:
    for lr in ("0.001", "0.5", "0.05"):
        result = cli(
            "run",
            "-n",
            f"lr-{lr}",
            "-M",
            "metrics.json",
            "-S",
            f"train.lr={lr}",
            "--",
            PY,
            "train.py",
        )
        assert result.exit_code == 0, result.stderr
        assert f"lr-{lr} completed" in result.stderr
    assert (here / "params.yaml").read_text() == PARAMS
    everything = runs_json()
    assert [r["name"] for r in everything] == ["lr-0.05", "lr-0.5", "lr-0.001"]
    accs = {r["name"]: r["metrics"]["acc"] for r in everything}
    threshold = min(accs.values())
    good = runs_json("--where", f"metrics.acc > {threshold}", "--sort", "-metrics.acc")
    expected = sorted((n for n, a in accs.items() if a > threshold), key=lambda n: -accs[n])
    assert [r["name"] for r in good] == expected
    assert all(r["params"]["train.lr"] == float(r["name"][3:]) for r in everything)
    assert all(r["metric_stats"]["loss"]["steps"] == 5 for r in everything)
    assert {r["code"]["checkpoint"] for r in everything}.isdisjoint(
        {r["code"]["commit"] for r in everything}
    )
    for r in everything:
        assert (
            git(here, "show", f"{r['code']['checkpoint']}:params.yaml").count(
                str(r["params"]["train.lr"])
            )
            == 1
        )
    result = cli("compare", "lr-0.001", "lr-0.5", "--json")
    assert result.exit_code == 0, result.stderr
    cmp = json.loads(result.stdout)
    assert cmp["params"] == {"train.lr": [0.001, 0.5]}
    acc = cmp["metrics"]["acc"]
    assert acc["deltas"][1] == pytest.approx(acc["values"][1] - acc["values"][0])
    assert cmp["code"][0]["paths"] == ["params.yaml"]
    human = cli("compare", "lr-0.001", "lr-0.5").stdout
    assert "train.lr" in human
    assert "acc" in human
    assert f"({acc['deltas'][1]:+.4g})" in human


def test_json_contract(here: Path) -> None:
    assert (
        cli("run", "-t", "team=ml", "-P", "batch=32", "-m", "why", "--", PY, "train.py").exit_code
        == 0
    )
    (run,) = runs_json()
    assert set(run) >= CONTRACT
    assert run["status"] == "completed"
    assert run["exit_code"] == 0
    assert run["sweep"] is None
    assert run["command"] == [PY, "train.py"]
    assert run["started"].endswith("+00:00")
    assert isinstance(run["duration_s"], float)
    assert run["params"] == {"train.lr": 0.1, "train.epochs": 5, "model": "logreg", "batch": 32}
    assert set(run["metrics"]) == {"loss"}
    assert {"commit", "checkpoint", "branch", "dirty", "untracked"} <= set(run["code"])
    assert run["code"]["branch"] == "main"
    assert run["code"]["dirty"] is False
    assert run["tags"] == {"team": "ml"}
    assert run["message"] == "why"
    assert run["inputs"] == {}
    assert run["outputs"] == {}
    assert run["env"]["packages"]["count"] > 0
    shown = json.loads(cli("show", run["id"][:12], "--json").stdout)
    assert set(shown) >= CONTRACT
    assert [step for step, _ in shown["history"]["loss"]] == [0, 1, 2, 3, 4]


def test_dirty_tree_shows_both_and_leaves_repo_untouched(here: Path, tmp_path: Path) -> None:
    (here / "train.py").write_text((here / "train.py").read_text() + "# tweak\n")
    (here / "helper.py").write_text("print('helper')\n")
    git(here, "status", "--porcelain")
    before = (
        git(here, "rev-parse", "HEAD"),
        git(here, "status", "--porcelain=v2", "--untracked-files=all"),
        (here / ".git" / "index").read_bytes(),
        (here / "train.py").read_bytes(),
        (here / "helper.py").read_bytes(),
    )
    assert cli("run", "-n", "dirty", "--", PY, "helper.py").exit_code == 0
    after = (
        git(here, "rev-parse", "HEAD"),
        git(here, "status", "--porcelain=v2", "--untracked-files=all"),
        (here / ".git" / "index").read_bytes(),
        (here / "train.py").read_bytes(),
        (here / "helper.py").read_bytes(),
    )
    assert after == before
    shown = cli("show", "dirty")
    assert shown.exit_code == 0, shown
    assert "  modified    train.py" in shown.stdout
    assert "  untracked   helper.py" in shown.stdout
    doc = json.loads(cli("show", "dirty", "--json").stdout)
    assert doc["code"]["dirty"] is True
    assert doc["code"]["untracked"] == ["helper.py"]
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(here), str(clone))
    git(clone, "fetch", "-q", "origin", "refs/gitml/runs")
    git(clone, "checkout", "-q", doc["code"]["checkpoint"])
    assert (clone / "train.py").read_bytes() == before[3]
    assert (clone / "helper.py").read_bytes() == before[4]


def test_failing_command_is_recorded_as_failed(here: Path) -> None:
    result = cli("run", "-n", "bad", "-S", "params.yaml:exit_code=3", "--", PY, "train.py")
    assert result.exit_code == 3
    assert "bad failed (exit 3)" in result.stderr
    (run,) = runs_json()
    assert (run["status"], run["exit_code"]) == ("failed", 3)
    assert "loss" in run["metrics"]


def test_ls_table_and_show_text(here: Path) -> None:
    assert cli("run", "-n", "one", "-M", "metrics.json", "--", PY, "train.py").exit_code == 0
    table = cli("ls")
    assert table.exit_code == 0, table
    header = table.stdout.splitlines()[0].split()
    assert header[:5] == ["id", "name", "status", "started", "duration"]
    assert "acc" in header
    assert "loss" in header
    assert " one " in table.stdout
    chosen = cli("ls", "--columns", "name,metrics.acc,params.train.lr")
    assert chosen.exit_code == 0, chosen
    assert chosen.stdout.splitlines()[0].split() == ["name", "metrics.acc", "params.train.lr"]
    shown = cli("show", "one").stdout
    assert "status    completed (exit 0)" in shown
    assert "train.lr" in shown
    assert "loss" in shown
    assert "packages" in shown
    assert cli("ls", "--branch", "other").stderr.startswith(
        "no runs on branch 'other' (1 on other branches"
    )
    assert len(runs_json("--all")) == 1


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("show", "nosuch"), 1, "error: no run matches 'nosuch'"),
        (("show", "bad id!"), 1, "is not a run id, id prefix or run name"),
        (("show", "0" * 26), 1, "error: no run with id"),
        (("ls", "--where", "metrics.acc >> 1"), 2, "column"),
        (("ls", "--where", "metrics.acc > 0.5 and"), 2, "column"),
        (("run", "-S", "train.lr", "--", PY, "train.py"), 2, "-S 'train.lr': expected KEY=VALUE"),
        (("run", "-S", "train.lrr=1", "--", PY, "train.py"), 2, "no such param in params.yaml"),
        (("run", "-P", "=1", "--", PY, "train.py"), 2, "-P '=1': expected KEY=VALUE"),
        (("run", "-n", "has space", "--", "true"), 1, "run name 'has space' is not valid"),
        (("run", "--", "no-such-command-xyz"), 127, "command not found: 'no-such-command-xyz'"),
        (("run",), 2, "nothing to run"),
        (("compare", "x"), 2, "compare needs at least two runs"),
    ],
)
def test_bad_input_is_one_line_and_records_nothing(
    here: Path, args: tuple[str, ...], code: int, message: str
) -> None:
    result = cli(*args)
    assert result.exit_code == code, result
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
    assert run_ids(here) == []
    assert (here / "params.yaml").read_text() == PARAMS


def test_ambiguous_prefix_lists_candidates(here: Path) -> None:
    assert cli("run", "--", "true").exit_code == 0
    assert cli("run", "--", "true").exit_code == 0
    ids = run_ids(here)
    result = cli("show", "0")
    assert result.exit_code == 1
    assert "matches 2 runs" in result.stderr
    assert ids[0] in result.stderr
    assert ids[1] in result.stderr


def test_invalid_params_file_and_non_numeric_metric_record_nothing(here: Path) -> None:
    (here / "params.yaml").write_text("train: [unclosed\n")
    result = cli("run", "--", "true")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: params.yaml: invalid YAML: line 2")
    (here / "params.yaml").write_text(PARAMS)
    script = "import json; json.dump({'acc': 'high'}, open('m.json', 'w'))"
    result = cli("run", "-M", "m.json", "--", PY, "-c", script)
    assert result.exit_code == 1
    assert result.stderr == "error: m.json: metric 'acc': 'high' is not a number\n"
    bad_api = "import gitml; gitml.log_metric('acc', 'high')"
    result = cli("run", "--", PY, "-c", bad_api)
    assert result.exit_code == 1
    (run,) = runs_json()
    assert run["status"] == "failed"
    assert run["metrics"] == {}
    assert len(run_ids(here)) == 1


def test_outputs_inputs_and_artifacts_are_digested(here: Path) -> None:
    (here / "in.txt").write_text("data\n")
    script = "import gitml, pathlib; pathlib.Path('model.bin').write_bytes(b'm'); gitml.log_artifact('model.bin')"
    result = cli(
        "run",
        "-i",
        "in.txt",
        "-o",
        "metrics.json",
        "--",
        PY,
        "-c",
        script + "; open('metrics.json','w').write('{}')",
    )
    assert result.exit_code == 0, result.stderr
    (run,) = runs_json()
    assert set(run["inputs"]) == {"in.txt"}
    assert set(run["outputs"]) == {"metrics.json", "model.bin"}
    assert all(
        v.startswith("xxh3-128:") for v in [*run["inputs"].values(), *run["outputs"].values()]
    )


def test_secret_values_never_reach_the_record(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "yes")
    assert cli("run", "--", "true", "--api-token", "hunter2", "PASSWORD=hunter2").exit_code == 0
    raw = git(here, "log", "-p", "refs/gitml/runs")
    assert "hunter2" not in raw
    (run,) = runs_json()
    assert run["command"] == ["true", "--api-token", "***", "PASSWORD=***"]
    assert run["env"]["vars"] == {"CI": "yes"}


def test_sequential_sweep_in_place(here: Path) -> None:
    result = cli("run", "-S", "train.lr=0.01,0.5", "-M", "metrics.json", "--", PY, "train.py")
    assert result.exit_code == 0, result.stderr
    runs = runs_json()
    assert len(runs) == 2
    assert len({r["sweep"] for r in runs}) == 1
    assert "best (max acc)" in result.stderr
    assert (here / "params.yaml").read_text() == PARAMS
