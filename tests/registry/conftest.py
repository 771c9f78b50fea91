"""A gitml project with runs, for registry tests (real repositories, real records)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.registry import init_project, register


@pytest.fixture
def project(in_repo: Path) -> Path:
    """``in_repo`` set up for gitml (cwd is the work tree)."""
    return init_project(in_repo)


@pytest.fixture
def three_versions(project: Path) -> Path:
    """churn 1.0.0, 1.1.0 and 1.2.0 from three runs (acc 0.80, 0.85, 0.90)."""
    register(project, "1.0.0", 0.80)
    register(project, "1.1.0", 0.85)
    register(project, "1.2.0", 0.90)
    return project
