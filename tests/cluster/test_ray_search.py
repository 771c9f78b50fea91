"""A 12-trial Optuna search of a small numpy model on a real Ray cluster."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cluster.conftest import ls_json, sweep_of
from tests.support.runs import git_ml


@pytest.mark.slow
def test_optuna_search_on_ray_records_each_trial_once_and_marks_the_best(
    project: Path, on: str
) -> None:
    result = git_ml(
        project, "run", "-n", "tpe", "--on", on, "--search", "optuna", "--trials", "12",
        "--seed", "5", "-S", "train.lr=loguniform(0.001,2)", "-S", "train.epochs=int(2,6)",
        "--objective", "metrics.loss", "--pruner", "none", "-o", "model.json",
        "--", "python", "train.py",
    )  # fmt: skip
    sweep = sweep_of(result.stderr)
    listed = ls_json(project, "--where", f"sweep = '{sweep}'")
    trials = [r for r in listed if r["id"] != sweep]
    assert len(trials) == 12
    assert len({r["id"] for r in trials}) == 12
    assert sorted(r["name"] for r in trials) == sorted(f"tpe-{i}" for i in range(1, 13))
    assert all(r["status"] == "completed" for r in trials)
    assert len(ls_json(project)) == 13  # the trials and the study, nothing else
    for run in trials:
        assert 0.001 <= run["params"]["train.lr"] <= 2
        assert run["params"]["train.epochs"] in range(2, 7)
        assert run["parent"] == sweep
        assert "model.json" in run["outputs"]

    parent = json.loads(git_ml(project, "show", sweep, "--json").stdout)
    study = parent["study"]
    assert study["search"] == "optuna"
    assert study["direction"] == "min"  # guessed from the name: loss is lower-is-better
    assert sorted(t["run"] for t in study["results"]) == sorted(r["id"] for r in trials)
    best = min(trials, key=lambda r: r["metrics"]["loss"])
    assert parent["tags"]["gitml.best_run"] == best["id"]
    compared = git_ml(project, "compare", best["id"], trials[0]["id"] if trials[0] is not best else trials[1]["id"])  # fmt: skip
    assert "loss" in compared.stdout
