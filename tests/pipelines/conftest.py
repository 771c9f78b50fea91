"""Pipelines in real repositories: a project shaped like DVC's get-started one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.pipelines import make_getstarted, write


@pytest.fixture
def getstarted(tmp_path: Path) -> Path:
    return make_getstarted(tmp_path / "getstarted")


@pytest.fixture
def project(tmp_path: Path) -> Callable[[dict[str, str]], Path]:
    """Write files into a fresh folder and return its path."""

    def make(files: dict[str, str]) -> Path:
        write(tmp_path, files)
        return tmp_path

    return make
