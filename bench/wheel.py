"""gitml as users get it: a wheel built from this checkout, installed into a fresh venv.

``wheel_bin(workdir)`` builds the wheel (``pip wheel --no-deps``, as ``.ci/wheel-smoke``
does), creates a venv under ``workdir``, installs the wheel with its dependencies from
the package index, and returns the venv's ``bin`` folder. Nothing of the checkout is on
``sys.path`` of the processes started from it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from common import ROOT


def wheel_bin(workdir: Path) -> Path:
    """The ``bin`` folder of a fresh venv holding gitml installed from a built wheel."""
    dist = workdir / "dist"
    venv = workdir / "gitml-venv"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(ROOT)],
        check=True,
    )
    wheel = next(dist.glob("gitml-*.whl"))
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", str(wheel)], check=True)
    return venv / "bin"


def clean_env(env: dict[str, str]) -> dict[str, str]:
    """``env`` without the checkout on PYTHONPATH (so the wheel's gitml is the one run)."""
    return {k: v for k, v in env.items() if k != "PYTHONPATH"}
