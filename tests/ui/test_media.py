"""Figures, step-indexed images, tables and text on the run page, in compare and in the
report, through a real server and a real headless Chromium; served types are decided
from the bytes, never from the record."""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.ui import Served, hermetic_env, ls_json, make_project, serving
from tests.tracking.conftest import QUIET_MLFLOW
from tests.ui.test_browser import console_errors, css, wait_for

pytestmark = pytest.mark.slow

SCRIPT = """\
import os, sys, tempfile
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import gitml
from gitml.tracking import current_sink

shade = int(sys.argv[2])
with gitml.start_run(name=sys.argv[1]):
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1, 2], [0, shade / 100, 1])
    gitml.log_figure(fig, "figures/curve.png")
    for step in range(3):
        gitml.log_image(np.full((8, 8, 3), (step * 80 + shade) % 255, dtype=np.uint8), key="samples", step=step)
    gitml.log_table({"feature": ["a", "b"], "weight": [0.5, shade]}, "tables/weights.json")
    gitml.log_text("<b>not bold</b>", "notes.txt")
    gitml.log_plot("roc", [0, 1, 1, 0, 1], [0.2, 0.7, 0.9, 0.4, 0.6])
    evil = os.path.join(tempfile.mkdtemp(), "evil.png")
    open(evil, "w").write("<script>alert(1)</script>")
    current_sink().attach(evil, "evil.png", {"kind": "image", "format": "png"})
"""


@pytest.fixture(scope="module")
def media_repo(
    tmp_path_factory: pytest.TempPathFactory, mlflow_python: Path
) -> tuple[Path, dict[str, str]]:
    home = tmp_path_factory.mktemp("media-home")
    env = {**hermetic_env(home), **QUIET_MLFLOW}
    repo = make_project(tmp_path_factory.mktemp("media") / "repo", env)
    for name, shade in (("first", 10), ("second", 120)):
        subprocess.run(
            [str(mlflow_python), "-c", SCRIPT, name, str(shade)], cwd=repo, env=env, check=True
        )
    return repo, env


@pytest.fixture(scope="module")
def served_media(media_repo: tuple[Path, dict[str, str]]) -> Iterator[Served]:
    repo, env = media_repo
    with serving(repo) as url:
        yield Served(url, repo, env)


def media_of(served: Served, name: str) -> tuple[dict[str, Any], dict[str, int]]:
    run = next(r for r in ls_json(served.repo, served.env) if r["name"] == name)
    return run, {m["name"]: i for i, m in enumerate(run["media"])}


def test_media_are_served_with_types_from_their_bytes(served_media: Served) -> None:
    run, index = media_of(served_media, "first")
    base = f"/api/runs/{run['id']}/media/"
    status, headers, body = served_media.get(base + str(index["figures/curve.png"]))
    assert (status, headers["Content-Type"]) == (200, "image/png")
    assert body.startswith(b"\x89PNG")
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    status, headers, body = served_media.get(base + str(index["evil.png"]))
    assert (status, headers["Content-Type"]) == (200, "text/plain; charset=utf-8")
    assert headers["X-Content-Type-Options"] == "nosniff"
    status, headers, body = served_media.get(base + str(index["tables/weights.json"]))
    assert json.loads(body)["columns"] == ["feature", "weight"]
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    assert served_media.get(base + "99")[0] == 404
    assert served_media.get(base + "-1")[0] == 404


def test_run_page_shows_the_figure_image_steps_table_and_text(
    browser: Any, served_media: Served
) -> None:
    run, _index = media_of(served_media, "first")
    browser.get(f"{served_media.url}runs/{run['id']}")
    wait_for(browser, lambda d: css(d, "#media .media-series img"))
    figure = css(browser, '.media-card[data-name="figures/curve.png"] img')[0]
    wait_for(browser, lambda d: d.execute_script("return arguments[0].naturalWidth", figure) > 100)
    series = css(browser, '.media-series[data-key="samples"]')[0]
    assert series.find_element("css selector", ".step-label").text == "step 2"
    last = series.find_element("css selector", "img").get_attribute("src")
    slider = series.find_element("css selector", "input.step-slider")
    browser.execute_script(
        "arguments[0].value = 0; arguments[0].dispatchEvent(new Event('input'))", slider
    )
    assert series.find_element("css selector", ".step-label").text == "step 0"
    assert series.find_element("css selector", "img").get_attribute("src") != last
    wait_for(browser, lambda d: css(d, ".media-table tbody tr"))
    cells = [c.text for c in css(browser, ".media-table tbody td")]
    assert cells == ["a", "0.5", "b", "10"]
    text = wait_for(browser, lambda d: css(d, '.media-card[data-name="notes.txt"] pre'))[0]
    assert text.text == "<b>not bold</b>"
    assert not css(browser, '.media-card[data-name="notes.txt"] b')
    evil = css(browser, '.media-card[data-name="evil.png"] img')[0]
    assert browser.execute_script("return arguments[0].naturalWidth", evil) == 0
    wait_for(browser, lambda d: css(d, ".plot-grid svg, .plot-grid canvas"))
    assert console_errors(browser) == [] or all(
        "evil.png" in e or "media/" in e for e in console_errors(browser)
    )


def test_compare_puts_the_runs_images_side_by_side(browser: Any, served_media: Served) -> None:
    runs = ls_json(served_media.repo, served_media.env)
    browser.get(f"{served_media.url}compare?runs={','.join(r['id'] for r in runs)}")
    wait_for(browser, lambda d: css(d, "#media-compare tbody tr"))
    labels = [th.text for th in css(browser, "#media-compare tbody th")]
    assert "samples" in labels
    assert "figures/curve.png" in labels
    row = next(
        tr for tr in css(browser, "#media-compare tbody tr")
        if tr.find_element("css selector", "th").text == "figures/curve.png"
    )  # fmt: skip
    assert len(row.find_elements("css selector", "img")) == 2


def test_report_embeds_the_media(browser: Any, served_media: Served, tmp_path: Path) -> None:
    from tests.support.core import cli

    runs = ls_json(served_media.repo, served_media.env)
    out = tmp_path / "report.html"
    import os

    here = Path.cwd()
    os.chdir(served_media.repo)
    try:
        result = cli("report", *[r["id"] for r in runs], "--output", str(out))
    finally:
        os.chdir(here)
    assert result.exit_code == 0, result.output
    browser.get(out.as_uri())
    wait_for(browser, lambda d: css(d, "#media-compare img"))
    images = css(browser, '.media-card[data-name="figures/curve.png"] img')
    assert len(images) == 2
    for image in images:
        assert image.get_attribute("src").startswith("data:image/png;base64,")
        wait_for(
            browser,
            lambda d, i=image: d.execute_script("return arguments[0].naturalWidth", i) > 100,
        )
    wait_for(browser, lambda d: css(d, ".media-table tbody td"))
    payload = out.read_text()
    assert "<script>alert(1)</script>" not in payload
    evil = [
        m
        for d in json.loads(_report_json(payload))["details"]
        for m in d["media"]
        if m["name"] == "evil.png"
    ]
    assert evil, "the report lists the run's evil.png"
    assert all(not m.get("data", "").startswith("data:") for m in evil)


def _report_json(html: str) -> str:
    start = html.index('id="gitml-report">') + len('id="gitml-report">')
    return html[start : html.index("</script>", start)]


def test_data_uri_images_only_for_image_bytes() -> None:
    from gitml.ui.media import image_type

    assert image_type(base64.b64decode("iVBORw0KGgo=") + b"rest") == "image/png"
    assert image_type(b"<svg onload=alert(1)>") is None
    assert image_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
