"""A repository with a sweep of real runs, and a real UI server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.ui import (
    Served,
    add_xss_run,
    hermetic_env,
    make_demo_repo,
    make_project,
    make_sweep_repo,
    serving,
)


@pytest.fixture(scope="session")
def sweep_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return hermetic_env(tmp_path_factory.mktemp("ui-home"))


@pytest.fixture(scope="session")
def sweep_repo(tmp_path_factory: pytest.TempPathFactory, sweep_env: dict[str, str]) -> Path:
    return make_sweep_repo(tmp_path_factory.mktemp("ui") / "project", sweep_env)


@pytest.fixture(scope="session")
def xss_repo(tmp_path_factory: pytest.TempPathFactory, sweep_env: dict[str, str]) -> Path:
    path = make_project(tmp_path_factory.mktemp("ui-xss") / "project", sweep_env)
    add_xss_run(path, sweep_env)
    return path


@pytest.fixture(scope="session")
def served_xss(xss_repo: Path, sweep_env: dict[str, str]) -> Iterator[Served]:
    with serving(xss_repo) as url:
        yield Served(url, xss_repo, sweep_env)


@pytest.fixture(scope="session")
def served(sweep_repo: Path, sweep_env: dict[str, str]) -> Iterator[Served]:
    with serving(sweep_repo) as url:
        yield Served(url, sweep_repo, sweep_env)


@pytest.fixture(scope="session")
def demo_repo(tmp_path_factory: pytest.TempPathFactory, sweep_env: dict[str, str]) -> Path:
    return make_demo_repo(tmp_path_factory.mktemp("ui-demo") / "demo", sweep_env)


@pytest.fixture(scope="session")
def served_demo(demo_repo: Path, sweep_env: dict[str, str]) -> Iterator[Served]:
    with serving(demo_repo) as url:
        yield Served(url, demo_repo, sweep_env)
