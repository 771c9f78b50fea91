"""Logging a model, its package (gitml and MLflow layouts) and checking input against it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

import gitml
from tests.support.core import cli, git
from tests.support.registry import land as land_branch
from tests.support.registry import ok, ok_json

EXAMPLE = {"age": [21, 35, 64], "plan": ["basic", "pro", "basic"], "score": [0.25, 1.5, 3.0]}
EXPECTED_INPUTS = [
    {"name": "age", "type": "long"},
    {"name": "plan", "type": "string"},
    {"name": "score", "type": "double"},
]


def land(repo: Path, *args: str) -> str:
    """``git ml promote ARGS --branch``, a plain-git merge into main and ``registry apply``."""
    merge = land_branch(repo, *args)
    ok("registry", "apply")
    return merge


def logged_run(project: Path) -> Any:
    with gitml.start_run(path=project) as run:
        (project / "model.bin").write_bytes(b"weights v1\n")
        gitml.log_model(project / "model.bin", flavor="sklearn", input_example=EXAMPLE)
    return run


@pytest.fixture
def promoted(project: Path) -> tuple[Path, Any]:
    """``churn`` 1.0.0 logged with ``gitml.log_model``, registered and in production."""
    run = logged_run(project)
    ok("model", "register", "churn", "--run", run.id, "--version", "1.0.0")
    land(project, "promote", "churn", "1.0.0", "production")
    return project, run


def run_packages(project: Path, run_id: str) -> tuple[list[str], str]:
    from gitml.runs.store import get_run, read_packages
    from gitml.storage.repo import open_repo

    repo = open_repo(project)
    doc = get_run(repo, run_id)
    return read_packages(repo, doc), str(doc["env"]["python"])


def test_round_trip_package_verifies_and_matches_the_run(
    promoted: tuple[Path, Any], tmp_path: Path
) -> None:
    from gitml.models.package import read_package, verify_package

    project, run = promoted
    pkg = tmp_path / "pkg"
    result = ok_json("model", "get", "churn@production", "--to", str(pkg))
    assert sorted(p.name for p in pkg.iterdir()) == ["gitml-model.toml", "model.bin"]
    desc = verify_package(pkg)
    assert desc == read_package(pkg)
    assert (pkg / "model.bin").read_bytes() == b"weights v1\n"
    assert desc["artifact"]["digest"] == result["artifact"]["digest"]
    record = ok_json("model", "show", "churn")
    assert desc["signature"]["inputs"] == EXPECTED_INPUTS
    assert desc["signature"]["profile"]["age"] == {"min": 21.0, "max": 64.0}
    packages, python = run_packages(project, run.id)
    assert packages
    assert desc["requirements"] == ["scikit-learn"]  # the flavor's; not installed here
    assert desc["python"] == python
    assert desc["flavor"] == "sklearn"
    assert desc["stage"] == "production"
    assert desc["lineage"]["run"] == run.id
    assert desc["lineage"]["code_commit"] == run.doc["code"]["commit"]
    assert record["name"] == "churn"


def test_tampered_package_fails_verification(promoted: tuple[Path, Any], tmp_path: Path) -> None:
    from gitml.models.package import PackageError, verify_package

    pkg = tmp_path / "pkg"
    ok("model", "get", "churn:1.0.0", "--to", str(pkg))
    (pkg / "model.bin").write_bytes(b"weights v2\n")
    with pytest.raises(PackageError, match="hashes to"):
        verify_package(pkg)


def test_mlflow_format_follows_the_mlmodel_layout(
    promoted: tuple[Path, Any], tmp_path: Path
) -> None:
    project, run = promoted
    pkg = tmp_path / "ml"
    ok("model", "get", "churn@production", "--to", str(pkg), "--format", "mlflow")
    mlmodel = yaml.safe_load((pkg / "MLmodel").read_text())
    assert set(mlmodel) == {
        "artifact_path",
        "flavors",
        "model_uuid",
        "run_id",
        "signature",
        "utc_time_created",
    }
    assert mlmodel["run_id"] == run.id
    assert re.fullmatch(r"[0-9a-f]{32}", mlmodel["model_uuid"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}", mlmodel["utc_time_created"])
    pyfunc = mlmodel["flavors"]["python_function"]
    assert pyfunc["loader_module"] == "mlflow.sklearn"
    assert pyfunc["env"] == {"virtualenv": "python_env.yaml"}
    assert pyfunc["model_path"] == "model.bin"
    assert mlmodel["flavors"]["sklearn"]["pickled_model"] == "model.bin"
    inputs = json.loads(mlmodel["signature"]["inputs"])
    assert inputs == [{**spec, "required": True} for spec in EXPECTED_INPUTS]
    assert mlmodel["signature"]["outputs"] is None
    _packages, python = run_packages(project, run.id)
    assert (pkg / "requirements.txt").read_text().splitlines() == ["scikit-learn"]
    env = yaml.safe_load((pkg / "python_env.yaml").read_text())
    assert env == {
        "python": python,
        "build_dependencies": ["pip"],
        "dependencies": ["-r requirements.txt"],
    }


def test_validate_flags_missing_extra_and_mistyped_columns(
    promoted: tuple[Path, Any], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("age,plan,region\n30,basic,eu\nthirty,pro,us\n")
    result = cli("model", "validate", "churn@production", "--data", str(bad))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert "error: column 'score' (double) is missing; the model needs it" in lines
    assert (
        "error: column 'age' holds string values but the signature expects long "
        "(found 'thirty', not a number); convert the column or fix the data"
    ) in lines
    assert (
        "error: column 'region' is not in the model's signature; drop it before scoring"
    ) in lines
    assert len(lines) == 3


def test_validate_passes_a_conforming_frame(promoted: tuple[Path, Any], tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text("age,plan,score\n30,basic,1.0\n44,pro,2\n")
    result = cli("model", "validate", "churn@production", "--data", str(good))
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert "conforms to the signature of churn 1.0.0" in result.stdout


def test_validate_warns_on_values_outside_the_training_profile(
    promoted: tuple[Path, Any], tmp_path: Path
) -> None:
    pkg = tmp_path / "pkg"
    ok("model", "get", "churn@production", "--to", str(pkg))
    frame = {"age": [30, 120], "plan": ["basic", "pro"], "score": [1.0, 2.0]}
    [problem] = gitml.models.validate(frame, pkg)
    assert (problem.kind, problem.severity) == ("range", "warning")
    assert problem.message == (
        "column 'age': 1 value(s) outside the training range [21, 64] (seen 30 to 120)"
    )
    kinds = sorted(p.kind for p in gitml.models.validate({"age": ["x"], "z": [1]}, pkg))
    assert kinds == ["extra", "missing", "missing", "type"]


def test_signature_from_a_csv_example_at_register(project: Path, tmp_path: Path) -> None:
    with gitml.start_run(path=project) as run:
        (project / "model.bin").write_bytes(b"weights\n")
        gitml.log_artifact(project / "model.bin")
    example = tmp_path / "example.csv"
    example.write_text("x,flag,when\n1.5,true,2026-01-01T00:00:00\n")
    doc = ok_json("model", "register", "churn", "--run", run.id, "--signature-from", str(example))
    assert doc["signature"]["inputs"] == [
        {"name": "x", "type": "double"},
        {"name": "flag", "type": "boolean"},
        {"name": "when", "type": "datetime"},
    ]
    assert doc.get("requirements") is None  # no flavor and no pickle: nothing is known


def test_unreadable_signature_file_is_a_one_line_error(project: Path, tmp_path: Path) -> None:
    with gitml.start_run(path=project) as run:
        (project / "model.bin").write_bytes(b"weights\n")
        gitml.log_artifact(project / "model.bin")
    broken = tmp_path / "sig.json"
    broken.write_text("{not json")
    for path in (broken, tmp_path / "absent.csv"):
        result = cli("model", "register", "churn", "--run", run.id, "--signature-from", str(path))
        assert result.exit_code != 0
        assert len(result.stderr.splitlines()) == 1, result.stderr
        assert result.stderr.startswith(f"error: {path}: cannot read")


def test_unknown_format_is_a_one_line_error(promoted: tuple[Path, Any], tmp_path: Path) -> None:
    for args in (
        ("model", "get", "churn:1.0.0", "--to", str(tmp_path / "p"), "--format", "onnx"),
        ("model", "card", "churn:1.0.0", "--format", "pdf"),
    ):
        result = cli(*args)
        assert result.exit_code != 0
        assert len(result.stderr.splitlines()) == 1, result.stderr
        assert "unknown" in result.stderr
        assert "format" in result.stderr
    assert not (tmp_path / "p").exists()


SCRIPT = """\
from pathlib import Path
import gitml
Path("model.bin").write_bytes(b"spooled")
gitml.log_model("model.bin", flavor="onnx", input_example={"a": [1.0, 2.0]},
                requirements=["onnxruntime==1.20.0"])
"""


def test_log_model_under_git_ml_run_reaches_the_version(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from tests.support.runs import git_ml, setup_ml_env

    env = setup_ml_env(tmp_path, monkeypatch)
    (project / "train.py").write_text(SCRIPT)
    git(project, "add", "train.py")
    git(project, "commit", "-q", "-m", "trainer")
    git_ml(project, "run", "-n", "spooled", "--", sys.executable, "train.py", env=env)
    doc = ok_json("model", "register", "churn", "--run", "spooled")
    assert doc["artifact"]["path"] == "model.bin"
    assert doc["flavor"] == "onnx"
    assert doc["requirements"] == ["onnxruntime==1.20.0"]
    assert doc["signature"] == {
        "inputs": [{"name": "a", "type": "double"}],
        "profile": {"a": {"min": 1.0, "max": 2.0}},
    }


def test_validate_a_package_folder_as_json(promoted: tuple[Path, Any], tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    ok("model", "get", "churn@production", "--to", str(pkg))
    data = tmp_path / "d.csv"
    data.write_text("age,plan\n30,basic\n")
    result = cli("model", "validate", str(pkg), "--data", str(data), "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["problems"] == [
        {
            "kind": "missing",
            "column": "score",
            "severity": "error",
            "message": "column 'score' (double) is missing; the model needs it",
        }
    ]
