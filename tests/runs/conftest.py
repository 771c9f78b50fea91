"""A small ML project in a real repository, and a real ``git ml`` on PATH."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.runs import make_project, setup_ml_env


@pytest.fixture
def ml_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    return setup_ml_env(tmp_path, monkeypatch)


@pytest.fixture
def project(repo_with_commit: Path, ml_env: dict[str, str]) -> Path:
    return make_project(repo_with_commit)
