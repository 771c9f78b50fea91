"""MLflow itself in a venv of its own, with this checkout's gitml installed beside it."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.anchors import anchor_python

SCRIPTS = Path(__file__).resolve().parent / "scripts"
QUIET_MLFLOW = {"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}


@pytest.fixture(scope="session")
def mlflow_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a venv with MLflow (and scikit-learn) and gitml's MLflow plugin."""
    python, why = anchor_python("mlflow", tmp_path_factory.mktemp("mlflow-venv") / "venv")
    if python is None:
        pytest.skip(f"MLflow could not be installed: {why}")
    return python


def run_python(python: Path, *args: str, cwd: Path, env: Mapping[str, str] | None = None) -> str:
    """Run ``python ARGS`` and return its stdout (fails the test with its stderr)."""
    proc = subprocess.run(
        [str(python), *args],
        cwd=cwd,
        env={**os.environ, **QUIET_MLFLOW, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return proc.stdout
