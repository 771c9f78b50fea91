"""The JSON API and pages over a real repository, through a real server on 127.0.0.1."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.support.ui import Served, fetch, ls_json, serving


def test_runs_lists_the_sweep_newest_first_with_its_total(served: Served) -> None:
    page = served.json("/api/runs")
    expected = [r["id"] for r in ls_json(served.repo, served.env)]
    assert page["total"] == 6
    assert page["branch"] is None
    assert [row["id"] for row in page["rows"]] == expected
    assert page["columns"][:5] == ["id", "name", "status", "started", "duration_s"]
    assert {"metrics.acc", "metrics.loss", "params.lr", "params.depth"} <= set(page["columns"])


def test_runs_of_one_branch(served: Served) -> None:
    current = served.json("/api/runs?branch=.")
    assert (current["branch"], current["total"], len(current["rows"])) == ("main", 6, 6)
    other = served.json("/api/runs?branch=elsewhere")
    assert (other["total"], other["rows"], other["hidden_other_branches"]) == (0, [], 6)


def test_runs_filter_with_the_query_language(served: Served) -> None:
    page = served.json("/api/runs?where=" + quote("params.lr = 0.5 and metrics.acc > 0"))
    assert page["total"] == 2
    cells = [dict(zip(page["columns"], row["cells"], strict=True)) for row in page["rows"]]
    assert {c["params.lr"] for c in cells} == {0.5}
    assert sorted(c["params.depth"] for c in cells) == [2, 4]


def test_runs_pages_with_offset_and_limit(served: Served) -> None:
    everything = [r["id"] for r in served.json("/api/runs?limit=500")["rows"]]
    first = served.json("/api/runs?limit=4")
    second = served.json("/api/runs?limit=4&offset=4")
    assert (first["total"], second["total"]) == (6, 6)
    assert [r["id"] for r in first["rows"] + second["rows"]] == everything
    assert len(second["rows"]) == 2


def test_runs_sort_by_a_metric_both_ways(served: Served) -> None:
    up = served.json("/api/runs?sort=metrics.acc&columns=id,metrics.acc")
    down = served.json("/api/runs?sort=-metrics.acc&columns=id,metrics.acc")
    values = [row["cells"][1] for row in up["rows"]]
    assert values == sorted(values)
    assert [row["cells"][1] for row in down["rows"]] == sorted(values, reverse=True)


def test_runs_show_the_requested_columns_in_order(served: Served) -> None:
    page = served.json("/api/runs?columns=" + quote("name,min(metrics.loss),params.lr"))
    assert page["columns"] == ["name", "min(metrics.loss)", "params.lr"]
    docs = {r["name"]: r for r in ls_json(served.repo, served.env)}
    for row in page["rows"]:
        name, low, lr = row["cells"]
        assert low == docs[name]["metric_stats"]["loss"]["min"]
        assert lr == docs[name]["params"]["lr"]


def test_columns_list_every_param_and_metric(served: Served) -> None:
    columns = served.json("/api/runs/columns")["columns"]
    assert {"metrics.acc", "metrics.loss", "params.lr", "params.depth", "sweep"} <= set(columns)


def test_malformed_where_is_400_naming_the_column(served: Served) -> None:
    status, headers, body = served.get("/api/runs?where=" + quote("metrics.acc >"))
    assert status == 400
    assert headers["Content-Type"].startswith("application/json")
    message = json.loads(body)["error"]["message"]
    assert "at column 14" in message
    assert message.startswith("--where:")


def test_unknown_sort_field_and_bad_limit_are_400(served: Served) -> None:
    status, _h, body = served.get("/api/runs?sort=" + quote("-metricz.acc"))
    assert status == 400
    assert "unknown field" in json.loads(body)["error"]["message"]
    status, _h, body = served.get("/api/runs?limit=0")
    assert status == 400
    assert "'limit'" in json.loads(body)["error"]["message"]


def test_unknown_run_is_a_404_page_and_a_404_json(served: Served) -> None:
    status, headers, body = served.get("/runs/no-such-run")
    assert status == 404
    assert headers["Content-Type"].startswith("text/html")
    assert b"404 Not found" in body
    assert b"no run matches" in body
    assert b"Traceback" not in body
    status, headers, body = served.get("/api/runs/01ARZ3NDEKTSV4RRFFQ69G5FAV")
    assert status == 404
    assert json.loads(body) == {
        "error": {
            "status": 404,
            "message": "no run with id 01ARZ3NDEKTSV4RRFFQ69G5FAV; `git ml ls --all` lists runs",
        }
    }


def test_unknown_paths_are_404(served: Served) -> None:
    assert served.get("/nowhere")[0] == 404
    status, _h, body = served.get("/api/nowhere")
    assert status == 404
    assert json.loads(body)["error"]["status"] == 404


def test_run_detail_has_the_record_and_per_step_curves(served: Served) -> None:
    doc = ls_json(served.repo, served.env)[0]
    detail = served.json(f"/api/runs/{doc['name']}")
    assert detail["run"]["id"] == doc["id"]
    loss = detail["history"]["loss"]
    assert loss["steps"] == list(range(12))
    assert loss["values"][-1] == doc["metrics"]["loss"]
    assert detail["parent"] is None
    page = served.get(f"/runs/{doc['id'][:10]}")
    assert page[0] == 200
    assert f'data-run="{doc["id"]}"'.encode() in page[2]


def test_run_diff_of_a_sweep_member_shows_its_param_override(served: Served) -> None:
    doc = ls_json(served.repo, served.env)[0]
    diff = served.json(f"/api/runs/{doc['id']}/diff")
    assert (diff["commit"], diff["checkpoint"]) == (
        doc["code"]["commit"],
        doc["code"]["checkpoint"],
    )
    assert diff["patch"].startswith("diff --git a/params.json b/params.json")
    assert f'"lr": {doc["params"]["lr"]}, "depth"' in diff["patch"].split("\n+", 1)[1]
    assert diff["error"] is None


def test_run_diff_shows_the_uncommitted_change(served_xss: Served) -> None:
    diff = served_xss.json("/api/runs/xss-run/diff")
    assert diff["commit"] != diff["checkpoint"]
    assert "+# edited, uncommitted" in diff["patch"]


def test_run_packages_lists_the_environment(served: Served) -> None:
    doc = ls_json(served.repo, served.env)[0]
    packages = served.json(f"/api/runs/{doc['id']}/packages")["packages"]
    from gitml.runs.store import get_run, read_packages
    from gitml.storage.repo import open_repo

    repo = open_repo(served.repo)
    assert packages == read_packages(repo, get_run(repo, doc["id"]))
    assert any(p.lower().startswith("pygit2") for p in packages)


def test_compare_two_runs_has_differing_params_and_one_curve_each(served: Served) -> None:
    a, b = ls_json(served.repo, served.env, "--where", "params.depth = 2")[:2]
    data = served.json(f"/api/compare?runs={a['id']},{b['name']}")
    assert [r["id"] for r in data["runs"]] == [a["id"], b["id"]]
    assert data["params"] == {"lr": [a["params"]["lr"], b["params"]["lr"]]}
    assert data["same_params"] == {"depth": 2}
    assert set(data["histories"]) == {a["id"], b["id"]}
    assert data["histories"][b["id"]]["acc"]["steps"] == list(range(12))
    assert data["metrics"]["acc"]["deltas"][0] == 0.0


def test_compare_a_whole_sweep(served: Served) -> None:
    sweep = ls_json(served.repo, served.env)[0]["sweep"]
    data = served.json(f"/api/compare?sweep={sweep}")
    assert len(data["runs"]) == 6
    assert data["sweeps"] == [sweep]
    assert set(data["params"]) == {"lr", "depth"}


def test_compare_without_runs_or_with_unknown_ones_fails_clearly(served: Served) -> None:
    status, _h, body = served.get("/api/compare")
    assert status == 400
    assert "?runs=ID,ID" in json.loads(body)["error"]["message"]
    status, _h, body = served.get("/api/compare?runs=nope1,nope2")
    assert status == 404
    assert "'nope1'" in json.loads(body)["error"]["message"]
    assert served.get("/api/compare?sweep=" + quote("x' or 1=1"))[0] == 400


def test_summary_counts_the_records(served: Served) -> None:
    assert served.json("/api/summary") == {
        "repository": "project",
        "branch": "main",
        "runs": 6,
        "datasets": 0,
        "models": 0,
        "reports": 0,
    }


@pytest.mark.parametrize("path", ["/", "/runs", "/compare", "/data", "/registry", "/monitor"])
def test_pages_are_html_shells_loading_the_app(served: Served, path: str) -> None:
    status, headers, body = served.get(path)
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert b'<script src="/static/app.js" defer></script>' in body
    assert b"<script>" not in body


def test_new_records_show_without_a_restart(tmp_path: Path, sweep_env: dict[str, str]) -> None:
    from tests.support.ui import make_project, run_git_ml

    repo = make_project(tmp_path / "fresh", sweep_env)
    with serving(repo) as url:
        assert json.loads(fetch(url + "api/runs")[2])["total"] == 0

        run_git_ml(repo, sweep_env, "run", "-n", "late", "--", sys.executable, "train.py")
        page = json.loads(fetch(url + "api/runs")[2])
        assert [row["name"] for row in page["rows"]] == ["late"]
        assert fetch(url + "runs/late")[0] == 200
        diff = json.loads(fetch(url + "api/runs/late/diff")[2])
        assert diff["commit"] == diff["checkpoint"]
        assert diff["patch"] == ""


def test_repository_without_records_serves_empty_states(repo_with_commit: Path) -> None:
    with serving(repo_with_commit) as url:
        page = json.loads(fetch(url + "api/runs")[2])
        assert (page["total"], page["rows"], page["hidden_other_branches"]) == (0, [], 0)
        assert json.loads(fetch(url + "api/data")[2]) == {
            "datasets": [],
            "empty": "no datasets yet: git ml data add PATH",
        }
        models = json.loads(fetch(url + "api/registry")[2])
        assert models["models"] == []
        assert models["empty"].startswith("no models yet: git ml model register")
        assert json.loads(fetch(url + "api/monitor")[2])["reports"] == []
        assert json.loads(fetch(url + "api/runs/columns")[2])["columns"][0] == "id"
        for path in ("", "compare", "data", "registry", "monitor"):
            assert fetch(url + path)[0] == 200


def test_repository_without_commits_serves_empty_states(repo: Path) -> None:
    with serving(repo) as url:
        page = json.loads(fetch(url + "api/runs")[2])
        assert page["total"] == 0
        assert fetch(url)[0] == 200


def test_long_histories_are_thinned_to_a_chart_s_worth() -> None:
    from gitml.runs.metrics import MetricEvent
    from gitml.ui.runs import history_series

    events = [MetricEvent("loss", step, 1.0 / (step + 1)) for step in range(10_001)]
    events.append(MetricEvent("acc", 0, 0.5))
    series = history_series(events, max_points=100)
    assert len(series["loss"]["steps"]) == 100
    assert series["loss"]["steps"][0] == 0
    assert series["loss"]["steps"][-1] == 10_000
    assert series["loss"]["values"][-1] == 1.0 / 10_001
    assert series["acc"] == {"steps": [0], "values": [0.5]}
