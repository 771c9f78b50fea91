"""``model get --format mlflow`` writes what the model needs, installable and loadable.

A training venv with scikit-learn, LightGBM and pandas (from the package index) trains
real models under ``git ml run``; the exported ``requirements.txt`` must resolve in a
fresh venv (``pip install --dry-run``), and MLflow itself (``mlflow-skinny`` in that
training venv, never a gitml dependency) must load each package and predict as the
model does. Without the index the test is skipped, saying so.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support.core import cli, git
from tests.support.registry import init_project

ROOT = Path(__file__).resolve().parents[2]
REAL_HOME = os.environ.get("HOME", "")
pytestmark = pytest.mark.slow

TRAIN = """\
import pickle, sys
import numpy as np
import pandas as pd
import gitml

rng = np.random.default_rng(0)
X = pd.DataFrame({"alcohol": rng.normal(10, 1, 300), "acidity": rng.normal(3, 0.5, 300)})
y = (X.alcohol * 0.5 + X.acidity > 8.0).astype(int)
kind = sys.argv[1]
if kind == "sklearn":
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    flavor = "sklearn"
elif kind == "lightgbm":
    import lightgbm as lgb
    model = lgb.LGBMClassifier(n_estimators=10, verbose=-1).fit(X, y)
    flavor = "lightgbm"
else:
    from sklearn.tree import DecisionTreeClassifier
    model = DecisionTreeClassifier(max_depth=3).fit(X, y)
    flavor = None
with open("model.pkl", "wb") as fh:
    pickle.dump(model, fh)
X.head(20).to_csv("sample.csv", index=False)
pd.DataFrame({"p": model.predict(X.head(20))}).to_csv("expected.csv", index=False)
gitml.log_model("model.pkl", flavor=flavor)
"""

LOAD = """\
import sys
import mlflow.pyfunc
import pandas as pd
model = mlflow.pyfunc.load_model(sys.argv[1])
got = list(model.predict(pd.read_csv(sys.argv[2])))
want = list(pd.read_csv(sys.argv[3])["p"])
print("same" if [int(g) for g in got] == [int(w) for w in want] else f"differ {got} {want}")
"""


def pip_env() -> dict[str, str]:
    """The caller's pip cache (tests run with a private HOME), so reruns stay fast."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "GITML_"))}
    if REAL_HOME:
        env["PIP_CACHE_DIR"] = str(Path(REAL_HOME) / ".cache" / "pip")
    return env


def make_venv(path: Path, *packages: str) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    python = path / "bin" / "python"
    if packages:
        proc = subprocess.run(
            [str(python), "-m", "pip", "install", "-q", *packages],
            capture_output=True,
            text=True,
            env=pip_env(),
            check=False,
        )
        if proc.returncode != 0:
            pytest.skip(
                f"cannot install {' '.join(packages)} from the package index: {proc.stderr[-300:]}"
            )
    return python


@pytest.fixture(scope="module")
def trainer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_venv(
        tmp_path_factory.mktemp("trainer") / "venv", "scikit-learn", "lightgbm", "pandas"
    )


@pytest.fixture(scope="module")
def mlflow_python(trainer: Path) -> Path:
    proc = subprocess.run(
        [str(trainer), "-m", "pip", "install", "-q", "mlflow-skinny"],
        capture_output=True,
        text=True,
        env=pip_env(),
        check=False,
    )
    if proc.returncode != 0:
        pytest.skip(f"mlflow-skinny is not installable here: {proc.stderr[-300:]}")
    return trainer


def installed(python: Path) -> dict[str, str]:
    out = subprocess.run(
        [str(python), "-m", "pip", "list", "--format", "json"],
        capture_output=True, text=True, check=True, env=pip_env(),
    ).stdout  # fmt: skip
    return {p["name"].lower(): p["version"] for p in json.loads(out)}


@pytest.fixture
def project(in_repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    init_project(in_repo)
    (in_repo / "train.py").write_text(TRAIN)
    with (in_repo / ".gitignore").open("a") as fh:
        fh.write("model.pkl\nsample.csv\nexpected.csv\n")
    git(in_repo, "add", "train.py", ".gitignore")
    git(in_repo, "commit", "-q", "-m", "trainer")
    return in_repo


def export(trainer: Path, kind: str, tmp_path: Path) -> tuple[Path, str]:
    result = cli("run", "-n", kind, "--", str(trainer), "train.py", kind)
    assert result.exit_code == 0, result
    registered = cli("model", "register", kind, "--run", kind)
    assert registered.exit_code == 0, registered
    pkg = tmp_path / kind
    got = cli("model", "get", f"{kind}:1", "--to", str(pkg), "--format", "mlflow")
    assert got.exit_code == 0, got
    return pkg, got.stderr


def test_exported_requirements_are_what_the_model_needs_and_install(
    project: Path, trainer: Path, tmp_path: Path
) -> None:
    versions = installed(trainer)
    pkg, _said = export(trainer, "sklearn", tmp_path)
    requirements = (pkg / "requirements.txt").read_text().splitlines()
    assert requirements == sorted(
        [f"numpy=={versions['numpy']}", f"scikit-learn=={versions['scikit-learn']}"],
        key=lambda r: r != f"scikit-learn=={versions['scikit-learn']}",
    )
    fresh = make_venv(tmp_path / "fresh")
    proc = subprocess.run(
        [str(fresh), "-m", "pip", "install", "--dry-run", "-q", "-r", str(pkg / "requirements.txt")],
        capture_output=True, text=True, env=pip_env(), check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    lgb_pkg, _said = export(trainer, "lightgbm", tmp_path)
    lgb_requirements = (lgb_pkg / "requirements.txt").read_text().splitlines()
    assert lgb_requirements[0] == f"lightgbm=={versions['lightgbm']}"
    assert sorted(lgb_requirements[1:]) == [
        f"numpy=={versions['numpy']}",
        f"scikit-learn=={versions['scikit-learn']}",
    ]
    assert not any(
        r.split("==")[0] in ("gitml", "pytest", "mypy", "ruff") for r in lgb_requirements
    )


@pytest.mark.parametrize("kind", ["sklearn", "lightgbm", "plain"])
def test_mlflow_loads_each_export_and_predicts_as_the_model(
    project: Path, mlflow_python: Path, tmp_path: Path, kind: str
) -> None:
    pkg, said = export(mlflow_python, kind, tmp_path)
    mlmodel = yaml.safe_load((pkg / "MLmodel").read_text())
    if kind == "lightgbm":
        assert mlmodel["flavors"]["lightgbm"]["model_class"] == "lightgbm.sklearn.LGBMClassifier"
    if kind == "plain":
        assert mlmodel["flavors"]["python_function"]["loader_module"] == "gitml_pyfunc"
    assert "warning" not in said
    proc = subprocess.run(
        [str(mlflow_python), "-c", LOAD, str(pkg), "sample.csv", "expected.csv"],
        cwd=project, capture_output=True, text=True, env=pip_env(), check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().splitlines()[-1] == "same"
