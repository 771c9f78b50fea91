"""A metric recorded once per run is drawn as one bar per run, not a lone dot on a step
axis, in the app's compare page and in ``git ml report`` alike."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.core import cli
from tests.support.ui import Served, ls_json, make_project, run_git_ml, serving
from tests.ui.test_browser import console_errors, css, wait_for

WRITE = "import json, sys; json.dump({'acc': float(sys.argv[1]), 'f1': 0.5}, open('m.json', 'w'))"


@pytest.fixture(scope="module")
def finals(tmp_path_factory: pytest.TempPathFactory, sweep_env: dict[str, str]) -> Iterator[Served]:
    path = make_project(tmp_path_factory.mktemp("ui-finals") / "project", sweep_env)
    for name, acc in (("small", "0.81"), ("large", "0.93")):
        run_git_ml(
            path,
            sweep_env,
            "run",
            "-n",
            name,
            "-M",
            "m.json",
            "--",
            sys.executable,
            "-c",
            WRITE,
            acc,
        )
    with serving(path) as url:
        yield Served(url, path, sweep_env)


def bars(driver: Any) -> list[tuple[str, float]]:
    found: list[list[Any]] = driver.execute_script(
        "return Array.from(document.querySelectorAll('#compare-chart svg.bars rect.bar'))"
        ".map(r => [r.querySelector('title').textContent, Number(r.dataset.value)])"
    )
    return [(str(label), float(value)) for label, value in found]


def test_compare_and_report_draw_final_values_as_bars(
    browser: Any, finals: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = ls_json(finals.repo, finals.env)
    ids = ",".join(r["id"] for r in runs)
    browser.get(finals.url + f"compare?runs={ids}")
    wait_for(browser, lambda d: css(d, "#compare-chart svg.bars"))
    chart = css(browser, "#compare-chart")[0]
    assert chart.get_attribute("data-kind") == "bars"
    assert css(browser, "#compare-chart canvas") == []
    in_app = bars(browser)
    assert sorted(in_app) == [("large: 0.93", 0.93), ("small: 0.81", 0.81)]
    assert console_errors(browser) == []

    monkeypatch.chdir(finals.repo)
    target = tmp_path / "finals.html"
    result = cli("report", *[r["id"] for r in runs], "-o", str(target))
    assert result.exit_code == 0, result
    browser.get(target.as_uri())
    wait_for(browser, lambda d: css(d, "#compare-chart svg.bars"))
    assert bars(browser) == in_app
    assert css(browser, "#compare-chart canvas") == []
