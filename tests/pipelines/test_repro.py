"""git ml repro on DVC's get-started project: run, skip, rerun what changed, restore."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gitml.records.validator import validate
from gitml.runs.store import list_runs
from gitml.storage.repo import open_repo
from tests.support.core import git
from tests.support.pipelines import actions, cli_in
from tests.support.pipelines import repro_json as repro

STAGES = ["prepare", "featurize", "train", "evaluate"]


def runs(root: Path) -> list[dict[str, Any]]:
    return list_runs(open_repo(root), all_branches=True, limit=None).runs


def set_param(root: Path, old: str, new: str) -> None:
    path = root / "params.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_getstarted_runs_skips_reruns_changes_and_restores_old_commits(getstarted: Path) -> None:
    first = repro(getstarted)
    assert actions(first) == dict.fromkeys(STAGES, "ran")
    lock_v1 = (getstarted / "dvc.lock").read_text()
    assert lock_v1.count("  cmd: ") == 4
    git(getstarted, "add", "-A")
    git(getstarted, "commit", "-q", "-m", "v1")
    recorded = len(runs(getstarted))

    second = cli_in(getstarted, "repro")
    assert second.exit_code == 0
    assert "Data and pipelines are up to date." in second.stderr
    assert len(runs(getstarted)) == recorded

    set_param(getstarted, "max_features: 100", "max_features: 200")
    status = cli_in(getstarted, "status")
    assert status.exit_code == 0, status
    assert status.stdout.splitlines()[:2] == [
        "featurize: stale",
        "    param params.yaml:featurize.max_features modified",
    ]
    third = repro(getstarted)
    assert actions(third) == {
        "prepare": "skipped",
        "featurize": "ran",
        "train": "ran",
        "evaluate": "ran",
    }
    git(getstarted, "commit", "-q", "-am", "v2")
    assert cli_in(getstarted, "status").stdout == "Data and pipelines are up to date.\n"

    git(getstarted, "checkout", "-q", "HEAD~1")
    before = len(runs(getstarted))
    fourth = repro(getstarted)
    assert actions(fourth) == {
        "prepare": "skipped",
        "featurize": "restored",
        "train": "restored",
        "evaluate": "restored",
    }
    new = runs(getstarted)[: len(runs(getstarted)) - before]
    assert [r["id"] for r in new] == [fourth["pipeline_run"]]  # the pipeline run, no stage run
    assert (getstarted / "dvc.lock").read_text() == lock_v1
    assert git(getstarted, "status", "--porcelain") == ""
    by_stage = {s["stage"]: s for s in fourth["stages"]}
    first_runs = {s["stage"]: s["run"] for s in first["stages"]}
    assert by_stage["train"]["run"] == first_runs["train"]


def test_stage_runs_hold_their_params_and_link_by_digest(getstarted: Path) -> None:
    outcome = repro(getstarted)
    docs = {r["id"]: r for r in runs(getstarted)}
    stage_runs = {s["stage"]: docs[s["run"]] for s in outcome["stages"]}
    featurize = stage_runs["featurize"]
    assert featurize["params"] == {"featurize.max_features": 100, "featurize.ngrams": 1}
    assert featurize["stage"] == {
        "name": "featurize",
        "file": "dvc.yaml",
        "key": featurize["stage"]["key"],
        "pipeline": outcome["pipeline_run"],
    }
    assert featurize["inputs"]["data/prepared"] == stage_runs["prepare"]["outputs"]["data/prepared"]
    assert stage_runs["train"]["inputs"]["data/features"] == featurize["outputs"]["data/features"]
    assert stage_runs["evaluate"]["metrics"]["avg_prec.test"] > 0.5
    pipeline = docs[outcome["pipeline_run"]]
    assert [s["stage"] for s in pipeline["pipeline"]["stages"]] == STAGES
    assert pipeline["pipeline"]["stages"][0]["run"] == stage_runs["prepare"]["id"]
    assert "data/data.xml" in pipeline["inputs"]
    assert pipeline["metrics"]["roc_auc.test"] > 0.5
    assert {p["id"] for p in pipeline["pipeline"]["plots"]} == {
        "ROC",
        "Confusion-Matrix",
        "Precision-Recall",
    }
    for doc in [pipeline, *stage_runs.values()]:
        validate(doc, "run", where=doc["id"])
    ignored = (getstarted / ".gitignore").read_text().splitlines()
    assert {"/data/prepared", "/data/features", "/model.pkl", "/eval"} <= set(ignored)


def test_dry_run_changes_nothing(getstarted: Path) -> None:
    repro(getstarted)
    set_param(getstarted, "n_est: 4", "n_est: 5")
    lock = (getstarted / "dvc.lock").read_text()
    count = len(runs(getstarted))
    result = cli_in(getstarted, "repro", "--dry-run")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "prepare: skipped",
        "featurize: skipped",
        "train: would-run: param params.yaml:train.n_est modified",
        "evaluate: pending: after train",
    ]
    assert (getstarted / "dvc.lock").read_text() == lock
    assert len(runs(getstarted)) == count


def test_force_single_item_and_downstream(getstarted: Path) -> None:
    repro(getstarted)
    assert actions(repro(getstarted, "--force", "featurize")) == {
        "prepare": "ran",
        "featurize": "ran",
    }
    assert actions(repro(getstarted, "--force", "--single-item", "train")) == {"train": "ran"}
    assert actions(repro(getstarted, "--force", "--downstream", "train")) == {
        "train": "ran",
        "evaluate": "ran",
    }


def test_failed_stage_stops_the_pipeline_and_keeps_its_lock_entry(getstarted: Path) -> None:
    repro(getstarted)
    set_param(getstarted, "max_features: 100", "max_features: 300")
    script = getstarted / "src" / "train.py"
    script.write_text("import sys\nsys.exit(3)\n")
    lock = (getstarted / "dvc.lock").read_text()
    result = cli_in(getstarted, "repro", "--json")
    assert result.exit_code == 3
    outcome = json.loads(result.stdout)
    assert actions(outcome) == {
        "prepare": "skipped",
        "featurize": "ran",
        "train": "failed",
        "evaluate": "not-run",
    }
    train_lock = lock.split("  train:")[1].split("  evaluate:")[0]
    assert train_lock in (getstarted / "dvc.lock").read_text()
    pipeline = {r["id"]: r for r in runs(getstarted)}[outcome["pipeline_run"]]
    assert pipeline["status"] == "failed"
    assert pipeline["exit_code"] == 3


def test_missing_source_dependency_names_the_stage(getstarted: Path) -> None:
    (getstarted / "data" / "data.xml").unlink()
    result = cli_in(getstarted, "repro")
    assert result.exit_code == 1
    assert (
        "error: dvc.yaml: stage 'prepare': dependency 'data/data.xml' does not exist and no "
        "stage writes it" in result.stderr
    )


def test_stage_that_does_not_write_its_output_fails(repo_with_commit: Path) -> None:
    root = repo_with_commit
    (root / "dvc.yaml").write_text(
        "stages:\n  s:\n    cmd: echo hi\n    deps: [in.txt]\n    outs: [out.txt]\n"
    )
    (root / "in.txt").write_text("x")
    result = cli_in(root, "repro")
    assert result.exit_code == 1
    assert "error: stage 's' did not write its output 'out.txt'" in result.stderr


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_sweep_over_the_pipeline_reuses_upstream_stages(getstarted: Path, jobs: str) -> None:
    repro(getstarted)
    git(getstarted, "add", "-A")
    git(getstarted, "commit", "-q", "-m", "v1")
    result = cli_in(getstarted, "repro", "-S", "train.n_est=2,6", "--jobs", jobs, "-n", "sw")
    assert result.exit_code == 0, result.output
    docs = runs(getstarted)
    members = [d for d in docs if d.get("pipeline") and d["name"].startswith("sw-")]
    assert sorted(d["name"] for d in members) == ["sw-1", "sw-2"]
    assert len({d["sweep"] for d in members}) == 1
    for member in members:
        done = {s["stage"]: s["action"] for s in member["pipeline"]["stages"]}
        assert done["prepare"] in ("skipped", "restored")
        assert done["featurize"] in ("skipped", "restored")
        assert done["train"] == "ran"
    assert {m["params"]["train.n_est"] for m in members} == {2, 6}
    assert "n_est: 4" in (getstarted / "params.yaml").read_text()


def test_single_override_is_recorded_and_params_file_restored(getstarted: Path) -> None:
    outcome = repro(getstarted, "-S", "train.n_est=3")
    assert actions(outcome)["train"] == "ran"
    assert "n_est: 4" in (getstarted / "params.yaml").read_text()
    assert "train.n_est: 3" in (getstarted / "dvc.lock").read_text()
    status = cli_in(getstarted, "status").stdout
    assert "param params.yaml:train.n_est modified" in status
