"""Venvs for the tools gitml is measured against (DVC, MLflow, GTO, Evidently).

Each anchor lives in its own venv under ``bench/.work/<name>``, created and filled from
the package index on first use and never a dependency of gitml. ``BENCH_NO_INSTALL=1``
uses only venvs that already exist (the anchor is skipped otherwise).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

WORK = Path(__file__).resolve().parent / ".work"


def anchor_bin(name: str, packages: list[str], program: str) -> Path | None:
    """``bench/.work/<name>/bin/<program>``, installing ``packages`` there if needed."""
    venv = WORK / name
    path = venv / "bin" / program
    if path.exists():
        return path
    if os.environ.get("BENCH_NO_INSTALL") == "1":
        return None
    print(f"installing {' '.join(packages)} into {venv}", file=sys.stderr, flush=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", *packages],
            check=True,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"could not install {packages}: {exc}", file=sys.stderr)
        return None
    return path if path.exists() else None


def version_of(python_bin: Path, module: str) -> str:
    """The installed version of ``module`` in the venv of ``python_bin``."""
    code = f"import importlib.metadata as m; print(m.version({module!r}))"
    proc = subprocess.run(
        [str(python_bin.parent / "python"), "-c", code], capture_output=True, text=True
    )
    return proc.stdout.strip() or "?"
