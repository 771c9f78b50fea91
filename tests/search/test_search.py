"""Random and Optuna searches run here: each trial a run of one sweep, the study on its parent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.core import git
from tests.support.runs import git_ml

# A score that peaks at x = 0.3 and grows over the steps, logged step by step (slowly
# enough that the pruner can stop a trial that falls behind).
SCORE = """\
import time
from pathlib import Path

import yaml

import gitml

params = yaml.safe_load(Path("params.yaml").read_text())
x, width = float(params["x"]), int(params["width"])
final = 1.0 - (x - 0.3) ** 2 - 0.01 * width
for step in range(8):
    gitml.log_metric("score", final - 0.05 * (7 - step), step=step)
    time.sleep(STEP)
"""


def _project(repo: Path, *, step_seconds: float) -> Path:
    (repo / "score.py").write_text(SCORE.replace("STEP", repr(step_seconds)))
    (repo / "params.yaml").write_text("x: 0.5\nwidth: 4\nkind: a\n")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "scorer")
    return repo


def _ls(repo: Path, *args: str) -> list[dict[str, Any]]:
    out = git_ml(repo, "ls", "--all", "--limit", "0", "--json", *args).stdout
    runs: list[dict[str, Any]] = json.loads(out)
    return runs


def _sweep(stderr: str) -> str:
    line = next(x for x in stderr.splitlines() if x.startswith("gitml: sweep "))
    return line.split()[2].rstrip(":")


SPACE = ("-S", "x=uniform(0,1)", "-S", "width=int(1,8)", "-S", "kind=a,b")


def test_random_search_records_trials_in_one_sweep_under_a_study(
    repo_with_commit: Path, ml_env: dict[str, str]
) -> None:
    repo = _project(repo_with_commit, step_seconds=0)
    args = ("run", "-n", "rs", "--search", "random", "--trials", "5", "--seed", "7", *SPACE)
    args += ("--objective", "metrics.score", "--jobs", "2", "--", "python", "score.py")
    result = git_ml(repo, *args)
    sweep = _sweep(result.stderr)
    members = [r for r in _ls(repo, "--where", f"sweep = '{sweep}'") if r["id"] != sweep]
    assert sorted(r["name"] for r in members) == [f"rs-{i}" for i in range(1, 6)]
    for run in members:
        assert run["status"] == "completed"
        assert 0 <= run["params"]["x"] <= 1
        assert 1 <= run["params"]["width"] <= 8
        assert isinstance(run["params"]["width"], int)
        assert run["params"]["kind"] in ("a", "b")
        expected = 1.0 - (run["params"]["x"] - 0.3) ** 2 - 0.01 * run["params"]["width"]
        assert run["metrics"]["score"] == pytest.approx(expected)
    parent = json.loads(git_ml(repo, "show", sweep, "--json").stdout)
    study = parent["study"]
    assert study["search"] == "random"
    assert study["direction"] == "max"
    assert sorted(t["run"] for t in study["results"]) == sorted(r["id"] for r in members)
    best = max(members, key=lambda r: r["metrics"]["score"])
    assert parent["tags"]["gitml.best_run"] == best["id"]
    assert f"{best['id']}" in result.stderr.split("gitml: best")[1].splitlines()[0]
    assert len(_ls(repo)) == 6  # five trials and the parent, nothing else

    again = git_ml(repo, *args[:2], "rs2", *args[3:])  # the same seed draws the same trials
    members2 = [
        r for r in _ls(repo, "--where", f"sweep = '{_sweep(again.stderr)}'") if r["name"] != "rs2"
    ]

    def draws(runs: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        return sorted((r["params"]["x"], r["params"]["width"], r["params"]["kind"]) for r in runs)

    assert draws(members2) == draws(members)


@pytest.mark.slow
def test_optuna_search_prunes_trials_that_fall_behind_and_marks_the_best(
    repo_with_commit: Path, ml_env: dict[str, str]
) -> None:
    repo = _project(repo_with_commit, step_seconds=0.15)
    result = git_ml(
        repo, "run", "-n", "tpe", "--search", "optuna", "--trials", "12", "--seed", "3",
        "-S", "x=uniform(0,1)", "-S", "width=int(1,8)", "--objective", "metrics.score",
        "--", "python", "score.py",
    )  # fmt: skip
    sweep = _sweep(result.stderr)
    trials = [r for r in _ls(repo, "--where", f"sweep = '{sweep}'") if r["id"] != sweep]
    assert len(trials) == 12
    assert len({r["id"] for r in trials}) == 12
    pruned = [r for r in trials if r["tags"].get("gitml.pruned") == "true"]
    complete = [r for r in trials if r["status"] == "completed"]
    assert pruned, "the median pruner stopped no trial"
    assert all(r["status"] == "interrupted" for r in pruned)
    assert len(pruned) + len(complete) == 12
    for run in pruned:  # stopped early: fewer than the 8 steps
        history = json.loads(git_ml(repo, "show", run["id"], "--json").stdout)["history"]
        assert len(history["score"]) < 8
    parent = json.loads(git_ml(repo, "show", sweep, "--json").stdout)
    states = {t["run"]: t["state"] for t in parent["study"]["results"]}
    assert {states[r["id"]] for r in pruned} == {"pruned"}
    assert {states[r["id"]] for r in complete} == {"complete"}
    best = max(complete, key=lambda r: r["metrics"]["score"])
    assert parent["tags"]["gitml.best_run"] == best["id"]
    assert parent["study"]["sampler"] == "tpe"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--search", "optuna", "-S", "x=uniform(0,1)"), "--objective"),
        (("--search", "grid", "-S", "x=uniform(0,1)"), "--search grid"),
        (("--search", "random", "-S", "x=loguniform(0,1)"), "bounds above 0"),
        (("--search", "random", "-S", "x=uniform(1,0)"), "low bound"),
        (("-S", "x=uniform(0,1)"), "--search"),
    ],
)
def test_bad_search_is_one_line_and_records_nothing(
    repo_with_commit: Path, ml_env: dict[str, str], args: tuple[str, ...], message: str
) -> None:
    repo = _project(repo_with_commit, step_seconds=0)
    result = git_ml(repo, "run", *args, "--", "python", "score.py", check=False)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert message in lines[0]
    assert "Traceback" not in result.stderr
    assert git(repo, "for-each-ref", "refs/gitml/").strip() == ""
