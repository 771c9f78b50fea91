"""Load a package written by `git ml model get --format mlflow` with MLflow itself.

    python bench/check_mlmodel.py DIR     # DIR holds MLmodel (e.g. from `git ml demo`)

MLflow is installed into bench/.work/mlflow (a separate venv, never a gitml dependency);
the script prints what MLflow read from the MLmodel file and exits 1 if it could not.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

VENV = Path(__file__).resolve().parent / ".work" / "mlflow"
LOAD = """
import sys
from mlflow.models import Model
import mlflow
m = Model.load(sys.argv[1] + "/MLmodel")
print("mlflow", mlflow.__version__)
print("flavors", sorted(m.flavors))
print("run_id", m.run_id)
print("inputs", m.signature.inputs.to_dict() if m.signature else None)
"""


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "mlflow-skinny", "numpy", "pandas"],
            check=True,
        )
    return subprocess.run([str(python), "-c", LOAD, sys.argv[1]], check=False).returncode


if __name__ == "__main__":
    raise SystemExit(main())
