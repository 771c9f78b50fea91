"""Unchanged MLflow scripts under ``git ml run`` record what MLflow's own store records.

MLflow runs from a venv of its own (``tests/anchors/mlflow.txt``), with this checkout's
gitml installed beside it, as a user would have it; ``git ml run`` finds MLflow and
gitml's plugin in the command's interpreter and points MLflow at ``gitml:``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.support.core import git
from tests.support.runs import git_ml, setup_ml_env
from tests.tracking.conftest import QUIET_MLFLOW, SCRIPTS, run_python

pytestmark = pytest.mark.slow


def mlflow_answer(python: Path, uri: str, cwd: Path, *extra: str) -> list[dict[str, Any]]:
    out = run_python(python, str(SCRIPTS / "mlflow_answer.py"), uri, *extra, cwd=cwd)
    return json.loads(out)  # type: ignore[no-any-return]


def gitml_runs(repo: Path) -> dict[str, dict[str, Any]]:
    runs = json.loads(git_ml(repo, "ls", "--all", "--json", "--limit", "0").stdout)
    return {r["name"]: r for r in runs}


def project(repo: Path, *scripts: str) -> Path:
    for script in scripts:
        shutil.copy(SCRIPTS / script, repo / script)
    git(repo, "add", *scripts)
    git(repo, "commit", "-q", "-m", "training scripts")
    return repo


def on_mlflows_own_store(
    python: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *script: str, extra: str = ""
) -> list[dict[str, Any]]:
    """Run ``script`` against MLflow's own SQLite store; MLflow's answer about its runs."""
    setup_ml_env(tmp_path, monkeypatch)
    for key, value in QUIET_MLFLOW.items():
        monkeypatch.setenv(key, value)
    own = tmp_path / "mlflow-own"
    own.mkdir()
    uri = f"sqlite:///{own}/mlflow.db"
    run_python(
        python, str(SCRIPTS / script[0]), *script[1:], cwd=own, env={"MLFLOW_TRACKING_URI": uri}
    )
    return mlflow_answer(python, uri, own, *extra.split())


def test_wine_example_records_the_same_params_metrics_and_model_as_mlflow(
    mlflow_python: Path, repo_with_commit: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = on_mlflows_own_store(
        mlflow_python, tmp_path, monkeypatch, "wine.py", "0.5", "0.3", extra="--predict 11"
    )
    answer = {r["name"]: r for r in found}
    (top,) = [r for r in answer.values() if r["parent"] is None]
    mlflow_nested = answer["holdout-check"]
    assert mlflow_nested["parent"] == top["id"]

    repo = project(repo_with_commit, "wine.py")
    proc = git_ml(repo, "run", "--", str(mlflow_python), "wine.py", "0.5", "0.3")
    assert "registered elasticnet-wine-model 1" in proc.stderr
    runs = gitml_runs(repo)
    (command,) = [r for r in runs.values() if r.get("parent") is None]
    assert command["params"] == top["params"] == {"alpha": "0.5", "l1_ratio": "0.3"}
    assert command["metrics"] == top["metrics"]
    assert command["tags"]["experiment"] == "Default"
    nested = runs["holdout-check"]
    assert nested["parent"] == command["id"]
    assert nested["metrics"] == mlflow_nested["metrics"]
    shown = json.loads(git_ml(repo, "show", nested["id"], "--json").stdout)
    steps = [(s, v) for s, v, _t in mlflow_nested["history"]["rmse_part"]]
    assert [tuple(p) for p in shown["history"]["rmse_part"]] == [tuple(p) for p in steps]

    predict = (
        "import json, sys, numpy as np, gitml\n"
        "model = gitml.load_model('elasticnet-wine-model:1')\n"
        "x = np.random.default_rng(7).normal(size=(5, 11))\n"
        "print(json.dumps(np.asarray(model.predict(x)).ravel().tolist()))\n"
    )
    ours = json.loads(run_python(mlflow_python, "-c", predict, cwd=repo))
    assert ours == pytest.approx(top["predictions"], rel=1e-12)


@pytest.mark.parametrize("which", ["sklearn", "all"])
def test_autolog_script_records_the_same_as_mlflow(
    which: str,
    mlflow_python: Path,
    repo_with_commit: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (theirs,) = on_mlflows_own_store(mlflow_python, tmp_path, monkeypatch, "autolog.py", which)
    repo = project(repo_with_commit, "autolog.py")
    git_ml(repo, "run", "--", str(mlflow_python), "autolog.py", which)
    ours = gitml_runs(repo)["forest"]
    assert ours["params"] == theirs["params"]
    assert ours["params"]["n_estimators"] == "5"
    assert ours["metrics"] == pytest.approx(theirs["metrics"])
    assert "training_accuracy_score" in ours["metrics"]
    model = json.loads(ours["tags"]["gitml.model"])
    assert model["flavor"] == "sklearn"
    assert model["path"].startswith("model/")
    assert model["path"] in ours["outputs"] or "model" in ours["outputs"]
    for key in ("estimator_name", "estimator_class"):
        assert ours["tags"][key] == theirs["tags"][key]


def test_stage_and_alias_changes_are_refused_with_the_reviewed_way(
    mlflow_python: Path, repo_with_commit: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup_ml_env(tmp_path, monkeypatch)
    repo = repo_with_commit
    (repo / ".gitignore").write_text("model.pkl\n")
    git(repo, "add", ".gitignore")
    git(repo, "commit", "-q", "-m", "ignore the model")
    write = "open('model.pkl', 'w').write('weights')"
    git_ml(repo, "run", "-n", "trained", "-o", "model.pkl", "--", "python3", "-c", write)
    git_ml(repo, "model", "register", "churn", "--run", "trained")
    code = (
        "import mlflow\n"
        "from mlflow import MlflowClient\n"
        "client = MlflowClient('gitml:')\n"
        "print(client.get_latest_versions('churn')[0].version)\n"
        "for call in (lambda: client.set_registered_model_alias('churn', 'production', '1'),\n"
        "             lambda: client.transition_model_version_stage('churn', '1', 'Production'),\n"
        "             lambda: client.update_registered_model('churn', 'better'),\n"
        "             lambda: client.set_registered_model_tag('churn', 'team', 'a'),\n"
        "             lambda: client.set_model_version_tag('churn', '1', 'team', 'a'),\n"
        "             lambda: client.set_experiment_tag('0', 'team', 'a')):\n"
        "    try:\n"
        "        call()\n"
        "        print('accepted')\n"
        "    except mlflow.exceptions.MlflowException as exc:\n"
        "        print(exc.message)\n"
    )
    out = run_python(mlflow_python, "-c", code, cwd=repo).splitlines()
    assert out[0] == "1"
    for line in out[1:3]:
        assert "git ml promote churn 1 STAGE" in line
        assert ".gitml/stages.toml" in line
    # Changes gitml cannot keep are refused, never accepted and dropped.
    assert "git ml model register NAME --description" in out[3]
    assert all("carry no tags" in line for line in out[4:7])


def test_logged_datasets_and_models_are_kept_in_the_run(
    mlflow_python: Path, repo_with_commit: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup_ml_env(tmp_path, monkeypatch)
    code = (
        "import json, mlflow, numpy as np\n"
        "data = mlflow.data.from_numpy(np.arange(12.0).reshape(4, 3), name='wine-train')\n"
        "with mlflow.start_run():\n"
        "    mlflow.log_input(data, context='training')\n"
        "print(json.dumps([data.name, data.digest]))\n"
    )
    (repo_with_commit / "inputs.py").write_text(code)
    proc = git_ml(repo_with_commit, "run", "-n", "with-data", "--", str(mlflow_python), "inputs.py")
    name, digest = json.loads(proc.stdout.strip().splitlines()[-1])
    run = gitml_runs(repo_with_commit)["with-data"]
    assert json.loads(run["tags"]["mlflow.datasets"]) == [
        {"name": name, "digest": digest, "source_type": "code", "context": {"mlflow.data.context": "training"}}
    ]  # fmt: skip


def test_outside_git_ml_run_mlflow_runs_are_recorded_in_process(
    mlflow_python: Path, repo_with_commit: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup_ml_env(tmp_path, monkeypatch)
    code = (
        "import mlflow\n"
        "mlflow.set_experiment('wine')\n"
        "with mlflow.start_run(run_name='direct') as run:\n"
        "    mlflow.log_params({'a': 1, 'b': 'x'})\n"
        "    mlflow.log_metric('loss', 0.5, step=2)\n"
        "    mlflow.log_dict({'k': 1}, 'conf/k.json')\n"
        "    with mlflow.start_run(nested=True, run_name='child'):\n"
        "        mlflow.set_tag('fold', '1')\n"
        "found = mlflow.search_runs(experiment_names=['wine'], filter_string='metrics.loss < 1')\n"
        "print(list(found['tags.mlflow.runName']))\n"
        "print(mlflow.get_run(run.info.run_id).data.params)\n"
    )
    out = run_python(
        mlflow_python, "-c", code, cwd=repo_with_commit, env={"MLFLOW_TRACKING_URI": "gitml:"}
    )
    assert "['direct']" in out
    assert "{'a': '1', 'b': 'x'}" in out
    runs = gitml_runs(repo_with_commit)
    assert runs["direct"]["tags"]["experiment"] == "wine"
    assert runs["direct"]["metrics"] == {"loss": 0.5}
    assert runs["child"]["parent"] == runs["direct"]["id"]
    assert [m["kind"] for m in runs["direct"]["media"]] == ["dict"]


def test_mlflow_without_gitml_in_the_commands_python_is_warned_about(
    mlflow_python: Path, repo_with_commit: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bench.anchors import cached_venv
    from tests.anchors import anchor_requirements

    setup_ml_env(tmp_path, monkeypatch)
    monkeypatch.delenv("PYTHONPATH")  # that Python must not see this checkout's gitml
    for key, value in QUIET_MLFLOW.items():
        monkeypatch.setenv(key, value)
    (repo_with_commit / ".gitignore").write_text("mlflow.db\nmlruns/\n")
    venv, _why = cached_venv("mlflow", anchor_requirements("mlflow"))  # MLflow, no gitml
    assert venv is not None
    code = "import mlflow\nwith mlflow.start_run():\n    mlflow.log_param('a', 1)\n"
    proc = git_ml(repo_with_commit, "run", "--", str(venv / "bin" / "python"), "-c", code)
    assert "has MLflow but not gitml; `pip install gitml` there" in proc.stderr
    assert "logged to MLflow's own store (mlflow.db)" in proc.stderr
