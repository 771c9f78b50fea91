"""The data pages over the repository ``git ml demo`` builds (real data add, commits)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from tests.support.core import git
from tests.support.ui import Served, run_git_ml


def git_ml_json(served: Served, *args: str) -> Any:
    return json.loads(run_git_ml(served.repo, served.env, *args, "--json"))


def test_datasets_are_listed_as_data_ls_lists_them(served_demo: Served) -> None:
    data = served_demo.json("/api/data")
    assert data["datasets"] == git_ml_json(served_demo, "data", "ls")
    assert [d["name"] for d in data["datasets"]] == ["data"]


def test_a_dataset_has_files_profiles_and_versions(served_demo: Served) -> None:
    data = served_demo.json("/api/data/data")
    assert data["dataset"] == git_ml_json(served_demo, "data", "show", "data", "--files")
    profile = data["dataset"]["profiles"]["data/train.csv"]
    assert {"x1", "x2", "label"} <= set(profile["columns"])
    assert len(profile["columns"]["x1"]["histogram"]["edges"]) > 2
    log = git(served_demo.repo, "log", "--format=%H", "--", ".gitml/data/data.toml").split()
    assert [v["rev"] for v in data["versions"]] == log
    assert all(v["manifest"].startswith("xxh3-128:") for v in data["versions"])
    assert data["versions"][0]["manifest"] == data["dataset"]["manifest"]


def test_diff_between_two_versions_lists_changed_files(served_demo: Served) -> None:
    versions = served_demo.json("/api/data/data")["versions"]
    new, old = versions[0]["rev"], versions[-1]["rev"]
    diff = served_demo.json(f"/api/data/data/diff?old={old}&new={new}")
    expected = git_ml_json(served_demo, "data", "diff", old, new)
    assert diff["changes"] == [c for c in expected["changes"] if c["dataset"] == "data"]
    assert diff["summary"] == {"added": 0, "deleted": 0, "modified": 1}


def test_bad_data_requests_fail_clearly(served_demo: Served) -> None:
    status, _h, body = served_demo.get("/api/data/nope")
    assert status == 404
    assert "no dataset 'nope'" in json.loads(body)["error"]["message"]
    assert served_demo.get("/data/nope")[0] == 404
    status, _h, body = served_demo.get("/api/data/data/diff?old=HEAD&new=" + quote("--output=x"))
    assert status == 400
    assert "is not a version" in json.loads(body)["error"]["message"]
