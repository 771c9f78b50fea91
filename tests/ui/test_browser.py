"""End to end in a real headless Chromium (Debian's ``chromium`` + ``chromium-driver``).

Driven by selenium with the system chromedriver, so nothing downloads a browser. Set
``GITML_UI_SCREENSHOTS=1`` to also write the README screenshots to ``docs/``.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.support.core import cli
from tests.support.ui import XSS, XSS_KEY, Served, ls_json
from tests.ui.conftest import CHROMIUM

DOCS = Path(__file__).resolve().parents[2] / "docs"
# Read at import: the hermetic fixture clears GITML_* variables before each test.
WRITE_DOCS = bool(os.environ.get("GITML_UI_SCREENSHOTS"))

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's chromium is not installed at /usr/bin/chromium "
    "(apt-get install chromium chromium-driver; .ci/run does)",
)


@pytest.fixture
def shots(tmp_path: Path) -> Callable[..., Path]:
    """Save a screenshot under the test's tmp dir (and to docs/ in screenshot mode)."""

    def save(driver: Any, name: str, height: int | None = None) -> Path:
        path = tmp_path / f"{name}.png"
        if height is not None:
            driver.set_window_size(1280, height)
        try:
            assert driver.save_screenshot(str(path))
        finally:
            if height is not None:
                driver.set_window_size(1280, 860)
        if WRITE_DOCS and name.startswith("ui-"):
            DOCS.mkdir(exist_ok=True)
            shutil.copyfile(path, DOCS / path.name)
        return path

    return save


def wait_for(driver: Any, condition: Callable[[Any], Any], timeout: float = 15) -> Any:
    """``condition``'s first true answer; an element the page replaced while it was read
    (the table renders again when its data arrives) is asked about again."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,))
    return wait.until(condition)


def css(driver: Any, selector: str) -> list[Any]:
    from selenium.webdriver.common.by import By

    return list(driver.find_elements(By.CSS_SELECTOR, selector))


def series_labels(driver: Any, chart: str) -> list[str]:
    """Labels of a uPlot chart's line series, from its legend (the x series left out)."""
    labels: list[str] = driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0] + ' .u-legend .u-series'))"
        ".slice(1).map(e => e.querySelector('.u-label').textContent)",
        chart,
    )
    return labels


def console_errors(driver: Any) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def rows(driver: Any) -> list[Any]:
    return css(driver, "#runs-table tbody tr")


def sort_heads(driver: Any) -> list[str]:
    """The columns of the runs table's sort buttons, in order."""
    return [b.get_attribute("data-column") for b in css(driver, "#runs-table button.sort")]


def test_runs_filter_select_compare_and_a_run_page(
    browser: Any, served: Served, shots: Callable[..., Path]
) -> None:
    from selenium.webdriver.common.keys import Keys

    runs = ls_json(served.repo, served.env)
    browser.get(served.url)
    wait_for(browser, lambda d: len(rows(d)) == 6)
    listed = [r.get_attribute("data-id") for r in rows(browser)]
    assert listed == [r["id"] for r in runs]
    shots(browser, "runs")

    box = css(browser, "#where")[0]
    box.send_keys("params.lr = 0.5", Keys.ENTER)
    wait_for(browser, lambda d: len(rows(d)) == 2)
    assert "where=params.lr+%3D+0.5" in browser.current_url
    expected = [r for r in runs if r["params"]["lr"] == 0.5]
    assert [r.get_attribute("data-id") for r in rows(browser)] == [r["id"] for r in expected]
    assert css(browser, "#runs-summary")[0].text == "1–2 of 2 runs"
    css(browser, "#this-branch")[0].click()
    wait_for(browser, lambda d: "branch=." in d.current_url)
    wait_for(browser, lambda d: css(d, "#runs-summary")[0].text == "1–2 of 2 runs on branch main")
    assert len(rows(browser)) == 2

    for row in rows(browser):
        row.find_element("css selector", "input.pick").click()
    button = css(browser, "#compare-selected")[0]
    assert button.text == "Compare selected (2)"
    button.click()
    wait_for(browser, lambda d: "/compare?runs=" in d.current_url)
    wait_for(browser, lambda d: css(d, "#compare-chart canvas"))
    chart = css(browser, "#compare-chart")[0]
    assert chart.get_attribute("data-series") == "2"
    assert series_labels(browser, "#compare-chart") == [r["name"] for r in expected]
    assert css(browser, "#params-differ tbody th")[0].text == "depth"
    shots(browser, "compare")

    css(browser, "#log-scale")[0].click()
    wait_for(browser, lambda d: len(series_labels(d, "#compare-chart")) == 2)

    css(browser, ".legend a")[0].click()
    wait_for(browser, lambda d: "/runs/" in d.current_url)
    wait_for(browser, lambda d: css(d, '.chart[data-metric="loss"] canvas'))
    loss = css(browser, '.chart[data-metric="loss"]')[0]
    assert loss.get_attribute("data-series") == "1"
    assert series_labels(browser, '.chart[data-metric="loss"]') == [expected[0]["name"]]
    assert css(browser, "h1")[0].text == expected[0]["name"]
    shots(browser, "run")
    assert console_errors(browser) == []


def test_column_picker_sorting_and_paging(browser: Any, served: Served) -> None:
    browser.get(served.url + "?limit=4")
    wait_for(browser, lambda d: len(rows(d)) == 4)
    css(browser, "#column-picker summary")[0].click()
    wait_for(browser, lambda d: css(d, "#column-picker .column-list input"))
    for item in css(browser, "#column-picker .column-list input"):
        if item.get_attribute("value") in ("started", "duration_s", "metrics.loss"):
            item.click()
    css(browser, "#column-picker .column-actions button")[0].click()
    wait_for(browser, lambda d: "columns=" in d.current_url)
    wait_for(browser, lambda d: "metrics.loss" not in d.current_url and len(rows(d)) == 4)

    def picked(driver: Any) -> list[str] | None:
        heads = sort_heads(driver)
        return heads if heads and "started" not in heads else None

    assert "metrics.acc" in wait_for(browser, picked)
    css(browser, 'button.sort[data-column="metrics.acc"]')[0].click()
    wait_for(browser, lambda d: "sort=-metrics.acc" in d.current_url)
    wait_for(browser, lambda d: css(d, 'th[aria-sort="descending"]'))
    best = max(ls_json(served.repo, served.env), key=lambda r: r["metrics"]["acc"])
    wait_for(browser, lambda d: rows(d)[0].get_attribute("data-id") == best["id"])
    css(browser, ".pager button")[1].click()
    wait_for(browser, lambda d: "offset=4" in d.current_url and len(rows(d)) == 2)
    assert console_errors(browser) == []


def test_a_bad_query_shows_the_error_with_its_column(browser: Any, served: Served) -> None:
    browser.get(served.url + "?where=" + quote("metrics.acc >"))
    wait_for(browser, lambda d: css(d, "#query-error .error"))
    text = css(browser, "#query-error .error")[0].text
    assert text.startswith("--where: expected a value after '>' at column 14")
    errors = console_errors(browser)
    assert len(errors) == 1
    assert "status of 400" in errors[0]


def test_markup_in_records_renders_as_text(browser: Any, served_xss: Served) -> None:
    from selenium.common.exceptions import NoAlertPresentException

    browser.get(served_xss.url + "runs/xss-run")
    wait_for(browser, lambda d: css(d, "article.run"))
    cells = {
        row.find_element("css selector", "th").text: row.find_element("css selector", "td")
        for row in css(browser, "table.kv tr")
    }
    assert cells["message"].text == XSS
    assert cells["tag note"].text == XSS
    assert cells["title"].text == XSS
    assert XSS_KEY in cells
    assert browser.execute_script("return document.scripts.length") == 2
    assert browser.execute_script("return document.querySelectorAll('img').length") == 0
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018 - reading it is the check

    browser.get(served_xss.url + "?columns=" + quote(f"name,params.title,params.`{XSS_KEY}`"))
    wait_for(browser, lambda d: len(rows(d)) == 1)
    cells_text = [td.text for td in rows(browser)[0].find_elements("css selector", "td")]
    assert cells_text[1:] == ["xss-run", XSS, "1"]
    heads = [b.get_attribute("data-column") for b in css(browser, "#runs-table button.sort")]
    assert heads == ["name", "params.title", f"params.`{XSS_KEY}`"]
    assert browser.execute_script("return document.querySelectorAll('img').length") == 0
    assert console_errors(browser) == []


def test_report_opens_offline_with_the_same_charts(
    browser: Any,
    served: Served,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    shots: Callable[..., Path],
) -> None:
    sweep = ls_json(served.repo, served.env)[0]["sweep"]
    browser.get(served.url + f"compare?sweep={sweep}")
    wait_for(browser, lambda d: css(d, "#compare-chart canvas"))
    in_app = series_labels(browser, "#compare-chart")
    lines_in_app = css(browser, ".parcoords-wrap")[0].get_attribute("data-lines")
    assert len(in_app) == 6
    shots(browser, "ui-compare", height=1400)

    monkeypatch.chdir(served.repo)
    target = tmp_path / "sweep.html"
    assert cli("report", "--where", f"sweep = '{sweep}'", "-o", str(target)).exit_code == 0
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd(
        "Network.emulateNetworkConditions",
        {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    try:
        browser.get(target.as_uri())
        wait_for(browser, lambda d: css(d, "#compare-chart canvas"))
        assert series_labels(browser, "#compare-chart") == in_app
        assert css(browser, ".parcoords-wrap")[0].get_attribute("data-lines") == lines_in_app
        per_run = css(browser, 'article.run .chart[data-metric="loss"]')
        assert [c.get_attribute("data-series") for c in per_run] == ["1"] * 6
        resources = browser.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)"
        )
        assert resources == []
        assert console_errors(browser) == []
        shots(browser, "report")
    finally:
        browser.execute_cdp_cmd(
            "Network.emulateNetworkConditions",
            {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
        )


def test_readme_screenshot_of_the_runs_page(
    browser: Any, served: Served, shots: Callable[..., Path]
) -> None:
    runs = ls_json(served.repo, served.env)
    browser.get(served.url)
    wait_for(browser, lambda d: len(rows(d)) == 6)
    for row in rows(browser)[:2]:
        row.find_element("css selector", "input.pick").click()
    css(browser, "#clear-selection")[0].click()
    for row in rows(browser)[1:3]:
        row.find_element("css selector", "input.pick").click()
    assert css(browser, "#compare-selected")[0].text == "Compare selected (2)"
    path = shots(browser, "ui-runs")
    assert path.stat().st_size > 10_000
    assert json.loads(
        browser.execute_script("return sessionStorage.getItem('gitml.selected')")
    ) == [
        runs[1]["id"],
        runs[2]["id"],
    ]


def test_registry_pages_show_models_stages_and_lineage(browser: Any, served_demo: Served) -> None:
    browser.get(served_demo.url + "registry")
    wait_for(browser, lambda d: css(d, "#models tbody tr"))
    (row,) = css(browser, "#models tbody tr")
    assert row.get_attribute("data-model") == "churn"
    assert "production: 1.1.0" in row.text
    row.find_element("css selector", "a").click()
    wait_for(browser, lambda d: css(d, ".timeline-wrap"))
    stages = served_demo.json("/api/registry/churn")["model"]["stages"]
    bars = css(browser, "svg.timeline g.bar")
    shown = {(b.get_attribute("data-stage"), b.get_attribute("data-version")) for b in bars}
    assert ("production", "1.1.0") in shown
    held = {(st, v) for st, vs in stages.items() for v in (vs if isinstance(vs, list) else [vs])}
    assert held <= shown
    versions = [r.get_attribute("data-version") for r in css(browser, "#versions tbody tr")]
    assert versions == ["1.1.0", "1.0.0"]
    css(browser, "#versions tbody tr a")[0].click()
    wait_for(browser, lambda d: css(d, "article.run"))
    assert css(browser, "h1")[0].text == "churn-b"
    assert console_errors(browser) == []


def test_data_pages_show_versions_diff_and_histograms(browser: Any, served_demo: Served) -> None:
    browser.get(served_demo.url + "data")
    wait_for(browser, lambda d: css(d, "#datasets tbody tr"))
    css(browser, "#datasets tbody tr a")[0].click()
    wait_for(browser, lambda d: css(d, "#data-versions"))
    assert len(css(browser, "#data-versions tbody tr")) == 2
    columns = [c.get_attribute("data-column") for c in css(browser, ".profile")]
    assert columns == ["x1", "x2", "label"]
    assert len(css(browser, '.profile[data-column="x1"] svg.bars rect')) == 20
    css(browser, "#diff-versions")[0].click()
    wait_for(browser, lambda d: css(d, "#data-diff tr.change-modified"))
    assert "data/train.csv" in css(browser, "#data-diff tr.change-modified")[0].text
    assert console_errors(browser) == []


def test_monitoring_pages_show_verdicts_findings_and_histograms(
    browser: Any, served_demo: Served
) -> None:
    browser.get(served_demo.url + "monitor")
    wait_for(browser, lambda d: css(d, "#monitor-latest tbody tr"))
    (latest,) = css(browser, "#monitor-latest tbody tr")
    assert "ALERT" in latest.text
    assert len(css(browser, "#monitor-reports tbody tr")) == 2
    latest.find_element("css selector", "a").click()
    wait_for(browser, lambda d: css(d, ".profile"))
    assert len(css(browser, "svg.alert-history rect")) == 2
    assert len(css(browser, "svg.alert-history rect.bad")) == 1
    x1 = css(browser, '.profile[data-column="x1"]')[0]
    assert "alerting" in (x1.get_attribute("class") or "")
    assert len(x1.find_elements("css selector", "svg.bars rect")) == 20
    assert css(browser, "table.findings tr.alert")
    assert console_errors(browser) == []
