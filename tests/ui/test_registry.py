"""The registry pages over the repository ``git ml demo`` builds (real register/promote/apply)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.core import cli
from tests.support.ui import Served, report_payload, run_git_ml


def git_ml_json(served: Served, *args: str) -> Any:
    return json.loads(run_git_ml(served.repo, served.env, *args, "--json"))


def test_models_are_listed_as_model_ls_lists_them(served_demo: Served) -> None:
    data = served_demo.json("/api/registry")
    assert data["models"] == git_ml_json(served_demo, "model", "ls")
    assert [m["name"] for m in data["models"]] == ["churn"]
    assert data["models"][0]["stages"]["production"] == "1.1.0"
    assert "production" in data["stages"]


def test_a_model_has_its_versions_lineage_and_history(served_demo: Served) -> None:
    data = served_demo.json("/api/registry/churn")
    assert data["model"] == git_ml_json(served_demo, "model", "show", "churn")
    assert data["history"] == git_ml_json(served_demo, "model", "history", "churn")["events"]
    versions = {v["version"]: v for v in data["model"]["versions"]}
    assert set(versions) == {"1.0.0", "1.1.0"}
    run = served_demo.json(f"/api/runs/{versions['1.1.0']['run']}")["run"]
    assert run["name"] == versions["1.1.0"]["run_name"]
    promotions = [e for e in data["history"] if e["stage"] == "production"]
    assert [(e["version"], e["event"]) for e in promotions] == [
        ("1.1.0", "model_version_alias.created")
    ]
    assert served_demo.get("/registry/churn")[0] == 200


def test_unknown_or_invalid_models_are_404(served_demo: Served) -> None:
    for name in ("nope", "Bad%20Name", "%3Cb%3E"):
        status, _h, body = served_demo.get(f"/api/registry/{name}")
        assert status == 404, name
        assert "model" in json.loads(body)["error"]["message"]
        assert served_demo.get(f"/registry/{name}")[0] == 404


def test_registry_counts_in_the_summary(served_demo: Served) -> None:
    summary = served_demo.json("/api/summary")
    assert summary["models"] == 1
    assert summary["runs"] >= 2


def test_report_of_model_versions_holds_their_runs(
    served_demo: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    versions = {
        v["version"]: v["run"] for v in served_demo.json("/api/registry/churn")["model"]["versions"]
    }
    monkeypatch.chdir(served_demo.repo)
    target = tmp_path / "promotion.html"
    result = cli("report", "churn:1.1.0", "churn@production", "churn:1.0.0", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert result.stderr == f"wrote {target} (2 runs)\n"
    payload = report_payload(target)
    assert [r["id"] for r in payload["comparison"]["runs"]] == [
        versions["1.1.0"],
        versions["1.0.0"],
    ]
    assert payload["title"] == "demo: churn:1.1.0, churn@production, churn:1.0.0"
    result = cli("report", "churn:9.9.9", "-o", str(target))
    assert result.exit_code == 1
    assert "9.9.9" in result.stderr
