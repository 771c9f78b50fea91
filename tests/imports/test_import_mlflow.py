"""``git ml import mlflow`` against stores MLflow itself made (in its own venv)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from gitml.runs.store import find_run, read_history
from gitml.storage.repo import open_repo
from tests.support.core import cli, git
from tests.tracking.conftest import SCRIPTS, run_python

pytestmark = pytest.mark.slow
RUNS = int(os.environ.get("GITML_TEST_MLFLOW_RUNS", "1000"))
IMPORT_TAGS = {"experiment", "gitml.import.source", "gitml.import.id", "gitml.model"}


@pytest.fixture(scope="module")
def made_by_mlflow(mlflow_python: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A file store and a SQLite store of RUNS runs each, and MLflow's answers about them."""
    root = tmp_path_factory.mktemp("mlflow-stores")
    env = {"MLFLOW_ALLOW_FILE_STORE": "true"}
    out: dict[str, Any] = {}
    for kind, uri in (
        ("file", f"file://{root}/mlruns"),
        ("sqlite", f"sqlite:///{root}/mlflow.db"),
    ):
        count = RUNS if kind == "file" else 60
        run_python(
            mlflow_python, str(SCRIPTS / "make_mlruns.py"), uri, str(count), cwd=root, env=env
        )
        answer = run_python(
            mlflow_python, str(SCRIPTS / "mlflow_answer.py"), uri, cwd=root, env=env
        )
        out[kind] = {"uri": uri, "source": str(root / "mlruns") if kind == "file" else uri,
                     "answer": json.loads(answer), "count": count}  # fmt: skip
    return out


def check_against_mlflow(repo: Path, answer: list[dict[str, Any]]) -> None:
    gitml_repo = open_repo(repo)
    runs = json.loads(cli("ls", "--all", "--json", "--limit", "0").stdout)
    by_original = {r["tags"]["gitml.import.id"]: r for r in runs}
    assert len(runs) == len(answer) == len(by_original)
    for theirs in answer:
        ours = by_original[theirs["id"]]
        assert ours["params"] == theirs["params"]
        assert {k: v for k, v in ours["tags"].items() if k not in IMPORT_TAGS} == theirs["tags"]
        assert ours["metrics"] == theirs["metrics"]
        assert ours["name"] == theirs["name"]
        if theirs["parent"]:
            assert ours["parent"] == by_original[theirs["parent"]]["id"]
        doc = find_run(gitml_repo, ours["id"])
        assert doc is not None
        history: dict[str, list[list[Any]]] = {}
        for event in read_history(gitml_repo, doc):
            history.setdefault(event.name, []).append([event.step, event.value, event.timestamp])
        assert history == {k: [list(p) for p in v] for k, v in theirs["history"].items()}


def test_file_store_of_many_runs_imports_exactly_and_once(
    made_by_mlflow: dict[str, Any], in_repo: Path
) -> None:
    store = made_by_mlflow["file"]
    first = cli("import", "mlflow", store["source"], "--json")
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert (summary["runs"], summary["skipped"]) == (store["count"], 0)
    assert summary["versions"] == 2
    check_against_mlflow(in_repo, store["answer"])
    again = json.loads(cli("import", "mlflow", store["source"], "--json").stdout)
    assert (again["runs"], again["skipped"], again["versions"]) == (0, store["count"], 0)
    commits = git(in_repo, "rev-list", "--count", "refs/gitml/runs").strip()
    assert commits == str(-(-store["count"] // 500))  # one commit per batch of 500
    shown = json.loads(cli("model", "show", "churn-model", "--json").stdout)
    assert sorted(v["version"] for v in shown["versions"]) == ["1", "2"]
    branch = summary["stage_branch"]
    assert branch == "gitml-import/mlflow"
    stages = git(in_repo, "show", f"{branch}:.gitml/stages.toml")
    assert '[models.churn-model]\nproduction = "1"' in stages
    git(in_repo, "fsck", "--strict")


def test_sqlite_store_imports_the_same_way(made_by_mlflow: dict[str, Any], in_repo: Path) -> None:
    store = made_by_mlflow["sqlite"]
    result = cli("import", "mlflow", store["uri"], "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["runs"] == store["count"]
    check_against_mlflow(in_repo, store["answer"])


def test_artifacts_become_cached_outputs_and_media(
    made_by_mlflow: dict[str, Any], in_repo: Path
) -> None:
    imported = cli("import", "mlflow", made_by_mlflow["file"]["source"], "-e", "wine")
    assert imported.exit_code == 0, imported
    (run,) = json.loads(cli("ls", "--all", "--json", "--where", "name = 'run-00000'").stdout)
    assert run["tags"]["experiment"] == "wine"
    assert set(run["outputs"]) == {"model", "notes.txt"}
    assert run["media"] == [
        {"name": "notes.txt", "kind": "text", "digest": run["outputs"]["notes.txt"]}
    ]
    assert json.loads(run["tags"]["gitml.model"]) == {
        "path": "model/model.pkl",
        "flavor": "sklearn",
    }


def test_bad_source_is_one_clear_line(in_repo: Path, tmp_path: Path) -> None:
    result = cli("import", "mlflow", str(tmp_path / "nothing"))
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"error: {tmp_path / 'nothing'}: neither an MLflow store folder (mlruns) nor a "
        "sqlite:/// URI"
    ]


def test_an_interrupted_import_resumes_where_it_stopped(
    made_by_mlflow: dict[str, Any], in_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gitml.imports.mlflow as importer
    from gitml.storage.repo import open_repo as open_git

    store = made_by_mlflow["file"]
    written = importer.write_runs
    calls = []

    def interrupted(*args: Any) -> None:
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt  # Ctrl-C during the second batch
        written(*args)

    monkeypatch.setattr(importer, "write_runs", interrupted)
    with pytest.raises(KeyboardInterrupt):
        importer.import_mlflow(open_git(in_repo), store["source"])
    monkeypatch.setattr(importer, "write_runs", written)
    summary = importer.import_mlflow(open_git(in_repo), store["source"])
    assert (summary.skipped, summary.runs) == (importer.BATCH, store["count"] - importer.BATCH)
    check_against_mlflow(in_repo, store["answer"])
