"""Tools gitml is tested beside (MLflow, GTO, training frameworks), each in a venv of its own.

A requirements file here names what a venv holds; ``bench.anchors.cached_venv`` makes it
once under ``~/.cache/gitml-anchors`` (keyed by the file's lines and gitml's own
dependencies) and later runs reuse it. The checkout's gitml is installed in development
mode into a light venv on top (``overlay_venv``), as a user would ``pip install gitml``
next to their frameworks.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from bench.anchors import cached_venv, overlay_venv, read_requirements

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
BUILD_BACKEND = ["hatchling>=1.25", "editables"]


def gitml_requirements() -> list[str]:
    """gitml's runtime dependencies (from pyproject.toml) and its build backend."""
    with (ROOT / "pyproject.toml").open("rb") as fh:
        deps = tomllib.load(fh)["project"]["dependencies"]
    return [*deps, *BUILD_BACKEND]


def anchor_requirements(name: str) -> list[str]:
    return [*read_requirements(HERE / f"{name}.txt"), *gitml_requirements()]


def anchor_python(name: str, dest: Path) -> tuple[Path | None, str]:
    """``(python, "")`` of a venv with the tools of ``<name>.txt`` and this checkout's gitml,
    or ``(None, why not)``."""
    base, why = cached_venv(name, anchor_requirements(name))
    if base is None:
        return None, why
    return overlay_venv(base, dest, editable=ROOT), ""


def anchor_python_or_skip(name: str, dest: Path, what: str) -> Path:
    """``anchor_python`` for a fixture: the test is skipped, saying why, if it is not made."""
    import pytest

    python, why = anchor_python(name, dest)
    if python is None:
        pytest.skip(f"{what} could not be installed: {why}")
    return python
