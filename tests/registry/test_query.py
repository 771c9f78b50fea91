"""``git ml model ls/show/history/get``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from gitml.cli._output import render_table
from tests.registry.test_apply import land
from tests.support.core import cli, git
from tests.support.registry import MODEL_FILE, ok, ok_json


@pytest.fixture
def live(three_versions: Path) -> Path:
    """1.1.0 in production and 1.2.0 in staging, applied; 1.0.0 archived."""
    land(three_versions, "promote", "churn", "1.1.0", "production")
    land(three_versions, "promote", "churn", "1.2.0", "staging")
    land(three_versions, "archive", "churn", "1.0.0")
    ok("registry", "apply")
    return three_versions


def test_show_json_has_versions_and_applied_stages(live: Path) -> None:
    shown = ok_json("model", "show", "churn")
    assert shown["name"] == "churn"
    assert shown["stages"] == {"staging": "1.2.0", "production": "1.1.0", "archived": ["1.0.0"]}
    assert [v["version"] for v in shown["versions"]] == ["1.2.0", "1.1.0", "1.0.0"]
    first = shown["versions"][1]
    assert set(first) >= {"version", "run", "artifact", "created", "stages", "code", "inputs"}
    assert first["stages"] == ["production"]
    assert first["artifact"]["path"] == MODEL_FILE
    assert first["metrics"] == {"acc": 0.85}
    assert shown["pending"] == {}
    assert shown["events"] == 3


def test_show_reports_pending_work_tree_changes(live: Path) -> None:
    ok("promote", "churn", "1.2.0", "production")
    shown = ok_json("model", "show", "churn")
    assert shown["stages"]["production"] == "1.1.0"
    assert shown["pending"] == {"production": "1.2.0"}
    human = ok("model", "show", "churn")
    assert "pending in .gitml/stages.toml (not applied yet): production=1.2.0" in human


def test_show_unknown_model_says_how_to_list(project: Path) -> None:
    result = cli("model", "show", "nope")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: model 'nope' is not registered; `git ml model ls` lists models, "
        "`git ml model register nope --run RUN` adds one\n"
    )


def test_ls_lists_models_with_latest_and_stages(live: Path) -> None:
    [model] = ok_json("model", "ls")
    assert model["name"] == "churn"
    assert model["versions"] == 3
    assert model["latest"] == "1.2.0"
    assert model["stages"] == {"staging": "1.2.0", "production": "1.1.0", "archived": ["1.0.0"]}
    human = ok("model", "ls")
    assert "staging=1.2.0 production=1.1.0 archived=1.0.0" in human


def test_history_says_who_when_and_which_commit(live: Path) -> None:
    result = ok_json("model", "history", "churn")
    summaries = [e["summary"] for e in result["events"]]
    assert [s for s in summaries if s.startswith("register")] == [
        "register churn 1.0.0",
        "register churn 1.1.0",
        "register churn 1.2.0",
    ]
    stage_events = [e for e in result["events"] if e["stage"] is not None]
    assert [e["summary"] for e in stage_events] == [
        "promote churn 1.1.0 -> production",
        "promote churn 1.2.0 -> staging",
        "archive churn 1.0.0 (archived)",
    ]
    promote = stage_events[0]
    merges = git(live, "log", "--first-parent", "--merges", "--format=%H", "main").split()
    assert promote["commit"] == merges[-1]
    assert promote["who"] == {"name": "Test User", "email": "test@example.com"}
    assert promote["time"] == "2026-01-02T03:04:05+00:00"
    assert promote["payload"] == {"name": "churn", "alias": "production", "version": "1.1.0"}
    staging = ok_json("model", "history", "churn", "--stage", "staging")
    assert [e["summary"] for e in staging["events"]] == ["promote churn 1.2.0 -> staging"]


def test_history_as_of_shows_the_state_at_a_date(
    live: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2099-03-01T00:00:00+00:00")
    land(live, "promote", "churn", "1.2.0", "production")
    ok("registry", "apply")
    now = ok_json("model", "history", "churn")
    assert now["stages"]["production"] == "1.2.0"
    before = ok_json("model", "history", "churn", "--as-of", "2099-02-01")
    assert before["stages"]["production"] == "1.1.0"
    assert len(before["events"]) == len(now["events"]) - 1
    bad = cli("model", "history", "churn", "--as-of", "yesterday")
    assert bad.exit_code == 2
    assert "--as-of 'yesterday': use a date" in bad.stderr
    unknown = cli("model", "history", "churn", "--stage", "prod")
    assert unknown.exit_code == 2, unknown
    assert "unknown stage 'prod'" in unknown.stderr


def test_get_resolves_stage_version_and_latest_and_verifies(live: Path, tmp_path: Path) -> None:
    path = ok("model", "get", "churn@production").strip()
    assert Path(path).read_bytes() == b"model 1.1.0\n"
    assert Path(ok("model", "get", "churn:1.0.0").strip()).read_bytes() == b"model 1.0.0\n"
    assert Path(ok("model", "get", "churn").strip()).read_bytes() == b"model 1.2.0\n"
    got = ok_json("model", "get", "churn@staging", "--to", str(tmp_path / "deploy"))
    assert got["path"] == str(tmp_path / "deploy" / MODEL_FILE)
    assert (tmp_path / "deploy" / MODEL_FILE).read_bytes() == b"model 1.2.0\n"
    assert got["verified"] is True
    no_holder = cli("model", "get", "churn@dev")
    assert no_holder.exit_code == 1, no_holder
    assert no_holder.stderr == (
        "error: no version of 'churn' holds 'dev' (applied on refs/gitml/registry); "
        "`git ml model show churn` shows its stages\n"
    )
    assert Path(ok("model", "get", "churn@archived").strip()).read_bytes() == b"model 1.0.0\n"
    land(live, "archive", "churn", "1.1.0")
    ok("registry", "apply")
    several = cli("model", "get", "churn@archived")
    assert several.exit_code == 2, several
    assert several.stderr == (
        "error: 'archived' holds several versions of 'churn' (1.0.0, 1.1.0); "
        "name one as churn:VERSION\n"
    )


def test_get_refuses_a_damaged_or_missing_cache_object(live: Path) -> None:
    path = Path(ok("model", "get", "churn@production").strip())
    path.chmod(0o644)
    path.write_bytes(b"corrupted")
    damaged = cli("model", "get", "churn@production")
    assert damaged.exit_code == 1
    assert f"churn 1.1.0: the cached artifact {path} is damaged" in damaged.stderr
    path.unlink()
    missing = cli("model", "get", "churn@production")
    assert missing.exit_code == 1, missing
    assert "is not in the local cache" in missing.stderr


def test_tables_never_truncate_versions() -> None:
    rows = [{"version": "1.2.345-rc.10+build.2024", "stages": "production", "run": "x" * 40}]
    text = render_table(
        rows, ["version", "stages", "run"], never_truncate=["version", "stages"], width=30
    )
    assert "1.2.345-rc.10+build.2024" in text
    assert "production" in text


def test_json_is_spelled_the_same_and_parses(live: Path) -> None:
    """Every model command takes the same ``--json`` and prints a document about the model."""
    (listed,) = json.loads(ok("model", "ls", "--json"))
    assert listed["name"] == "churn"
    for args in (("model", "show", "churn"), ("model", "history", "churn")):
        assert json.loads(ok(*args, "--json"))["name"] == "churn", args


def test_artifacts_travel_through_the_data_remote(
    live: Path, remote: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    store.mkdir()
    config = live / ".gitml" / "config.toml"
    config.write_text(
        config.read_text()
        + f'\n[data]\ndefault_remote = "store"\n\n[data.remotes.store]\nurl = "{store}"\n'
    )
    git(live, "commit", "-q", "-am", "data remote")
    git(live, "remote", "add", "origin", str(remote))
    git(live, "push", "-q", "origin", "main")
    pushed = ok_json("model", "push", "churn@production")
    assert pushed["versions"] == ["1.1.0"]
    assert len(pushed["uploaded"]) == 1
    again = ok_json("model", "push", "churn")
    assert len(again["uploaded"]) == 2
    assert len(again["present"]) == 1
    ok("push")  # records, after the data they reference (artifacts included)
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(remote), str(other))
    monkeypatch.chdir(other)
    ok("pull")
    got = ok_json("model", "get", "churn@production", "--to", str(tmp_path / "deploy"))
    assert (tmp_path / "deploy" / MODEL_FILE).read_bytes() == b"model 1.1.0\n"
    assert got["version"] == "1.1.0"
    shutil.rmtree(store)
    store.mkdir()
    missing = cli("model", "get", "churn:1.0.0")
    assert missing.exit_code == 1
    assert "is not in the local cache" in missing.stderr
    assert "the data remote does not have it either" in missing.stderr


def test_history_table_and_stage_line(live: Path) -> None:
    result = cli("model", "history", "churn")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["time", "event", "who", "commit", "source"]
    assert any("promote churn 1.1.0 -> production" in line and "merge" in line for line in lines)
    assert result.stderr == "stages: staging=1.2.0 production=1.1.0 archived=1.0.0\n"


def test_push_without_a_data_remote_says_how_to_add_one(live: Path) -> None:
    result = cli("model", "push", "churn")
    assert result.exit_code == 1
    assert "no default data remote" in result.stderr


def test_push_reports_artifacts_missing_from_the_cache(live: Path, tmp_path: Path) -> None:
    config = live / ".gitml" / "config.toml"
    store = tmp_path / "store"
    store.mkdir()
    config.write_text(config.read_text() + f'\n[data.remotes.store]\nurl = "{store}"\n')
    cached = Path(ok("model", "get", "churn:1.0.0").strip())
    cached.chmod(0o644)
    cached.unlink()
    result = cli("model", "push", "churn")
    assert result.exit_code == 1
    assert result.stdout == "churn: 2 artifact(s) uploaded, 0 already on store\n"
    assert "is not in the local cache; push it from the clone that has it" in result.stderr
