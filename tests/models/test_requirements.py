"""What an exported model requires, read from its pickle without loading it."""

from __future__ import annotations

import collections
import fractions
import json
import pickle
from pathlib import Path
from typing import Any

import pytest
import yaml

import gitml
from gitml.models.requirements import (
    model_requirements,
    read_pickle_info,
    without_tools,
)
from tests.support.core import cli
from tests.support.registry import ok

# Protocol 2, GLOBAL opcodes: what an xgboost and a LightGBM Booster pickle start with.
XGB_PICKLE = b"\x80\x02cxgboost.sklearn\nXGBClassifier\nq\x00)\x81q\x01}q\x02b."
BOOSTER_PICKLE = b"\x80\x02clightgbm.basic\nBooster\nq\x00)\x81q\x01}q\x02b."


def test_pickle_globals_are_read_through_the_memo(tmp_path: Path) -> None:
    path = tmp_path / "m.pkl"
    value = [collections.OrderedDict(a=1), collections.OrderedDict(), fractions.Fraction(1, 3)]
    for protocol in (2, 4, 5):
        path.write_bytes(pickle.dumps(value, protocol=protocol))
        info = read_pickle_info(path)
        assert info is not None
        assert info.modules == ["collections", "fractions"]
    path.write_bytes(XGB_PICKLE)
    info = read_pickle_info(path)
    assert info is not None
    assert info.top_class == "xgboost.sklearn.XGBClassifier"
    path.write_text("tree\nversion=v4\n")
    assert read_pickle_info(path) is None


def test_requirements_are_pinned_and_never_tools_or_gitml(tmp_path: Path) -> None:
    path = tmp_path / "m.pkl"
    path.write_bytes(b"\x80\x02csklearn.linear_model._base\nLinearRegression\nq\x00)\x81}b.")
    info = read_pickle_info(path)
    installed = ["scikit-learn==1.5.0", "numpy==2.0.0", "pytest==8.0.0", "gitml==0.1.0"]
    found = model_requirements("sklearn", info, installed)
    assert found.requirements == ["scikit-learn==1.5.0"]
    assert found.warnings == []
    unknown = model_requirements("xgboost", read_pickle_info(tmp_path / "absent"), installed)
    assert unknown.requirements == ["xgboost"]
    assert unknown.warnings == [
        "xgboost is not among the run's recorded packages; it is required unpinned"
    ]
    assert without_tools(["gitml==0.1.0", "Pytest>=8", "numpy==2.0.0", "ruff"]) == ["numpy==2.0.0"]


def test_a_class_from_the_training_script_is_warned_about(tmp_path: Path) -> None:
    path = tmp_path / "m.pkl"
    path.write_bytes(b"\x80\x02c__main__\nMyModel\nq\x00)\x81}b.")
    found = model_requirements(None, read_pickle_info(path), [])
    assert found.requirements == []
    assert "MyModel defined in the training script (__main__)" in found.warnings[0]


def logged(project: Path, data: bytes, flavor: str | None, example: Any = None) -> str:
    with gitml.start_run(path=project) as run:
        (project / "model.bin").write_bytes(data)
        gitml.log_model(project / "model.bin", flavor=flavor, input_example=example)
    ok("model", "register", "m", "--run", run.id)
    return str(run.id)


def export(tmp_path: Path, version: str = "1") -> tuple[dict[str, Any], str]:
    pkg = tmp_path / f"pkg{version}"
    result = cli("model", "get", f"m:{version}", "--to", str(pkg), "--format", "mlflow")
    assert result.exit_code == 0, result
    return yaml.safe_load((pkg / "MLmodel").read_text()), result.stderr


@pytest.mark.parametrize(
    ("data", "flavor", "warning"),
    [
        (b"weights, not a pickle", None, "no flavor was logged and the file is not a pickle"),
        (XGB_PICKLE, "xgboost", "mlflow.xgboost cannot read a pickle"),
        (BOOSTER_PICKLE, "lightgbm", "mlflow.lightgbm reads a pickle only of a scikit-learn"),
    ],
    ids=["no-flavor", "xgboost-pickle", "lightgbm-booster-pickle"],
)
def test_an_export_mlflow_cannot_load_is_warned_about(
    project: Path, tmp_path: Path, data: bytes, flavor: str | None, warning: str
) -> None:
    logged(project, data, flavor)
    mlmodel, said = export(tmp_path)
    assert f"warning: {warning}" in said
    if flavor is None:
        assert "python_function" not in mlmodel["flavors"]


def test_columns_with_nulls_are_optional_in_the_signature(project: Path, tmp_path: Path) -> None:
    example = {"age": [21, None, 64], "plan": ["basic", "pro", "basic"]}
    logged(project, pickle.dumps(fractions.Fraction(1, 2)), None, example)
    mlmodel, _said = export(tmp_path)
    inputs = json.loads(mlmodel["signature"]["inputs"])
    assert inputs == [
        {"name": "age", "type": "long", "required": False},
        {"name": "plan", "type": "string", "required": True},
    ]
    from gitml.models import validate

    assert validate({"plan": ["pro"]}, tmp_path / "pkg1") == []
    assert [p.kind for p in validate({"age": [30]}, tmp_path / "pkg1")] == ["missing"]
