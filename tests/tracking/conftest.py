"""MLflow itself in a venv of its own, with this checkout's gitml installed beside it."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent / "scripts"
QUIET_MLFLOW = {"MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}


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
