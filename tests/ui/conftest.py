"""A repository with a sweep of real runs, and a real UI server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    "--window-size=1280,860",
)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.fail("selenium is not installed: install the test extra (pip install -e '.[test]')")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
