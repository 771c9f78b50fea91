"""The pipeline page, the lineage page and dvc.yaml plots: JSON, pages and a real browser."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.pipelines import GETSTARTED, ROWS
from tests.support.ui import Served, fetch, ls_json, report_payload, run_git_ml, serving
from tests.ui.test_browser import CHROMIUM, console_errors, css, wait_for

EVIL = "evil<img src=x onerror=alert(3)>"
EVIL_STAGE = f"  {json.dumps(EVIL)}:\n    cmd: echo hi > evil.txt\n    outs: [evil.txt]\n"


@pytest.fixture(scope="session")
def pipeline_repo(tmp_path_factory: pytest.TempPathFactory, sweep_env: dict[str, str]) -> Path:
    """DVC's get-started project reproduced twice (two max_features), plus a stage whose
    name is markup."""
    path = tmp_path_factory.mktemp("ui-pipeline") / "project"
    shutil.copytree(GETSTARTED, path)
    env = sweep_env
    dvc_yaml = path / "dvc.yaml"
    text = dvc_yaml.read_text()
    dvc_yaml.write_text(text.replace("stages:\n", "stages:\n" + EVIL_STAGE, 1))
    subprocess.run(["git", "init", "-q"], cwd=path, env=env, check=True)
    subprocess.run(
        [sys.executable, "src/generate_data.py", str(ROWS), "7", "data/data.xml"],
        cwd=path,
        env=env,
        check=True,
    )
    run_git_ml(path, env, "data", "add", "data/data.xml")
    subprocess.run(["git", "add", "-A"], cwd=path, env=env, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "get-started"], cwd=path, env=env, check=True)
    run_git_ml(path, env, "repro", "-n", "first")
    params = path / "params.yaml"
    params.write_text(params.read_text().replace("max_features: 100", "max_features: 200"))
    run_git_ml(path, env, "repro", "-n", "second")
    return path


@pytest.fixture(scope="session")
def served_pipeline(pipeline_repo: Path, sweep_env: dict[str, str]) -> Iterator[Served]:
    with serving(pipeline_repo) as url:
        yield Served(url, pipeline_repo, sweep_env)


def pipeline_runs(served: Served) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in ls_json(served.repo, served.env) if r.get("pipeline")}


def test_pipeline_api_gives_states_reasons_and_last_runs(served_pipeline: Served) -> None:
    data = served_pipeline.json("/api/pipeline")
    stages = {s["stage"]: s for s in data["stages"]}
    assert list(stages) == [EVIL, "prepare", "featurize", "train", "evaluate"]
    assert {s["state"] for s in stages.values()} == {"up to date"}
    assert stages["featurize"]["params"] == [
        "params.yaml:featurize.max_features",
        "params.yaml:featurize.ngrams",
    ]
    second = pipeline_runs(served_pipeline)["second"]
    ran = {s["stage"]: s.get("run") for s in second["pipeline"]["stages"]}
    assert stages["train"]["last_run"]["id"] == ran["train"]
    assert stages["train"]["last_run"]["pipeline_run"] == second["id"]
    assert {"from": "featurize", "to": "train"} in data["edges"]


def test_lineage_api_traces_the_model_back_to_data(served_pipeline: Served) -> None:
    data = served_pipeline.json("/api/lineage?target=model.pkl&direction=up")
    paths = {n.get("path") for n in data["nodes"] if n["kind"] == "data"}
    assert {"model.pkl", "data/features", "data/prepared", "data/data.xml"} <= paths
    stages = {n.get("stage") for n in data["nodes"] if n["kind"] == "run"}
    assert stages == {"train", "featurize", "prepare"}
    status, _headers, body = fetch(served_pipeline.url + "api/lineage")
    assert status == 400
    assert "name what to trace" in json.loads(body)["error"]["message"]


def test_run_and_compare_carry_the_dvc_yaml_plots(served_pipeline: Served) -> None:
    runs = pipeline_runs(served_pipeline)
    detail = served_pipeline.json(f"/api/runs/{runs['first']['id']}")
    plots = {p["id"]: p for p in detail["plots"]}
    assert set(plots) == {"ROC", "Confusion-Matrix", "Precision-Recall"}
    roc = plots["ROC"]["series"]
    assert {(s["file"], s["kind"], s["x"], s["y"]) for s in roc} == {
        ("eval/plots/sklearn/roc/train.json", "roc", "fpr", "tpr"),
        ("eval/plots/sklearn/roc/test.json", "roc", "fpr", "tpr"),
    }
    assert all(len(s["xs"]) == len(s["ys"]) > 10 for s in roc)
    matrix = plots["Confusion-Matrix"]["series"][0]["matrix"]
    assert matrix["labels"] == ["0", "1"]
    assert sum(map(sum, matrix["counts"])) > 0
    ids = f"{runs['first']['id']},{runs['second']['id']}"
    compared = served_pipeline.json(f"/api/compare?runs={ids}")
    series = {p["id"]: {s["run"] for s in p["series"]} for p in compared["plots"]}
    assert series["Precision-Recall"] == {runs["first"]["id"], runs["second"]["id"]}
    evaluate_run = next(
        s["run"] for s in runs["first"]["pipeline"]["stages"] if s["stage"] == "evaluate"
    )
    stage_plots = served_pipeline.json(f"/api/runs/{evaluate_run}")["plots"]
    assert {p["id"] for p in stage_plots} == set(plots)


def test_report_embeds_the_plots(served_pipeline: Served, tmp_path: Path) -> None:
    runs = pipeline_runs(served_pipeline)
    out = tmp_path / "report.html"
    run_git_ml(
        served_pipeline.repo, served_pipeline.env, "report", "first", "second", "-o", str(out)
    )
    payload = report_payload(out)
    assert {p["id"] for p in payload["comparison"]["plots"]} == {
        "ROC",
        "Confusion-Matrix",
        "Precision-Recall",
    }
    assert runs["first"]["id"] in {s["run"] for s in payload["comparison"]["plots"][0]["series"]}


needs_browser = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium"
)


@needs_browser
def test_pipeline_lineage_and_plots_pages_in_a_browser(
    browser: Any, served_pipeline: Served
) -> None:
    from selenium.common.exceptions import NoAlertPresentException

    browser.get(served_pipeline.url + "pipeline")
    wait_for(browser, lambda d: css(d, "#stages tbody tr"))
    assert len(css(browser, "svg.graph g.node")) == 5
    names = [
        row.find_element("css selector", "th").text for row in css(browser, "#stages tbody tr")
    ]
    assert names == [EVIL, "prepare", "featurize", "train", "evaluate"]
    assert browser.execute_script("return document.querySelectorAll('img').length") == 0
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text  # noqa: B018 - reading it is the check

    browser.get(served_pipeline.url + "lineage?target=model.pkl&direction=up")
    wait_for(browser, lambda d: css(d, "#lineage-nodes tbody tr"))
    labels = [row.text for row in css(browser, "#lineage-nodes tbody tr")]
    assert any("data/data.xml" in label for label in labels)
    assert len(css(browser, "svg.graph g.node")) == len(labels)

    first = pipeline_runs(served_pipeline)["first"]["id"]
    browser.get(served_pipeline.url + f"runs/{first}")
    wait_for(browser, lambda d: css(d, ".plot-card"))
    assert {c.get_attribute("data-plot") for c in css(browser, ".plot-card")} == {
        "ROC",
        "Confusion-Matrix",
        "Precision-Recall",
    }
    assert len(css(browser, "#pipeline-stages tbody tr")) == 5
    assert len(css(browser, "table.matrix")) == 2
    assert console_errors(browser) == []
