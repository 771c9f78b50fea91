"""``--staged``, ``--push`` without pre-push lines, ``--all``, and individual policy rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.core import cli, git
from tests.support.governance import commit_all, write_stages


def _policy(repo: Path, text: str) -> None:
    (repo / ".gitml" / "policy.toml").write_text('schema = "gitml/policy/1"\n' + text)
    commit_all(repo, "Policy")


def _findings(result_stdout: str) -> list[dict[str, str]]:
    doc = json.loads(result_stdout)
    return doc["findings"] + [f for p in doc["promotions"] for f in p["findings"]]


def test_staged_unrelated_change_passes_fast(governed: Path) -> None:
    (governed / "notes.txt").write_text("hi\n")
    git(governed, "add", "notes.txt")
    result = cli("check", "--staged")
    assert result.exit_code == 0
    assert result.stderr == ""  # a hook says nothing on success


def test_staged_large_file_is_refused_with_the_fix(governed: Path) -> None:
    (governed / "weights.bin").write_bytes(b"\0" * (6 * 1024 * 1024))
    git(governed, "add", "weights.bin")
    result = cli("check", "--staged")
    assert result.exit_code == 1
    assert "weights.bin: check.max_git_file_mb: 6.0 MiB is over the 5 MiB limit" in result.stderr
    assert "git ml data add" in result.stderr


def test_staged_invalid_config_names_the_field(governed: Path) -> None:
    (governed / ".gitml" / "config.toml").write_text(
        'schema = "gitml/config/1"\n[core]\ngc_every = "x"\n'
    )
    git(governed, "add", ".gitml/config.toml")
    result = cli("check", "--staged", "--json")
    assert result.exit_code == 1
    [finding] = _findings(result.stdout)
    assert finding["file"] == ".gitml/config.toml"
    assert "core.gc_every" in finding["message"]


def test_push_without_stdin_works_out_the_branch_against_its_remote(
    governed: Path, remote: Path
) -> None:
    git(governed, "remote", "add", "origin", str(remote))
    git(governed, "push", "-q", "origin", "main")
    write_stages(governed, {"churn": {"production": "1.0.0"}})
    commit_all(governed, "Bad promotion", "-c", "core.hooksPath=/dev/null")
    result = cli("check", "--push", "--json")
    assert result.exit_code == 1
    assert {f["rule"] for f in _findings(result.stdout)} == {"min_metrics"}


def test_requires_stage_and_monitor_report_are_findings(governed: Path) -> None:
    _policy(governed, '[stage.production]\nrequires_stage = "staging"\nrequire_monitor_ok = true\n')
    git(governed, "switch", "-q", "-c", "pr")
    write_stages(governed, {"churn": {"production": "1.2.0"}})
    commit_all(governed, "Promote")
    result = cli("check", "--base", "main", "--json")
    assert result.exit_code == 1
    messages = {f["rule"]: f["message"] for f in _findings(result.stdout)}
    assert "must hold 'staging' before 'production'" in messages["requires_stage"]
    assert "has no monitoring report" in messages["require_monitor_ok"]


def test_model_override_is_stricter_than_the_stage_rule(governed: Path) -> None:
    _policy(
        governed,
        "[stage.production]\nmin_metrics = { acc = 0.8 }\n[model.churn.stage.production]\nmin_metrics = { acc = 0.95 }\n",
    )
    git(governed, "switch", "-q", "-c", "pr")
    write_stages(governed, {"churn": {"production": "1.2.0"}})
    commit_all(governed, "Promote")
    result = cli("check", "--base", "main", "--json")
    assert result.exit_code == 1
    [finding] = _findings(result.stdout)
    assert "model.churn.stage.production.min_metrics" in finding["field"]


def test_lower_is_better_metric_regression(governed: Path) -> None:
    _policy(
        governed, '[stage.production]\nno_regression = { acc = 0.0 }\nlower_is_better = ["acc"]\n'
    )
    write_stages(governed, {"churn": {"production": "1.0.0"}})
    commit_all(governed, "Current")
    git(governed, "switch", "-q", "-c", "pr")
    write_stages(governed, {"churn": {"production": "1.2.0"}})
    commit_all(governed, "Promote")
    result = cli("check", "--base", "main", "--json")
    assert result.exit_code == 1
    assert "regresses from 0.8" in _findings(result.stdout)[0]["message"]


def test_all_passes_on_a_clean_repository(governed: Path) -> None:
    result = cli("check", "--all", "--json")
    assert result.exit_code == 0, result.stdout
    assert json.loads(result.stdout)["records"] > 0


def test_require_data_pushed_until_the_artifact_is_on_the_data_remote(
    governed: Path, tmp_path: Path
) -> None:
    from gitml.objects.cache import open_cache
    from gitml.objects.remotes import open_remote
    from gitml.storage.repo import open_repo

    store = tmp_path / "store"
    store.mkdir()
    config = governed / ".gitml" / "config.toml"
    config.write_text(
        config.read_text()
        + f'\n[data]\ndefault_remote = "store"\n[data.remotes.store]\nurl = "{store}"\n'
    )
    _policy(governed, "[stage.production]\nrequire_data_pushed = true\n")
    git(governed, "switch", "-q", "-c", "pr")
    write_stages(governed, {"churn": {"production": "1.2.0"}})
    commit_all(governed, "Promote")
    result = cli("check", "--base", "main", "--json")
    assert result.exit_code == 1, result.output
    [finding] = _findings(result.stdout)
    assert "not on the data remote 'store'" in finding["message"]
    digest = (
        json.loads(result.stdout)["promotions"][0]["findings"][0]["message"]
        .split("first ")[1]
        .split(")")[0]
    )
    cache = open_cache(open_repo(governed).state_dir)
    open_remote(str(store)).upload(digest, cache.path_of(digest))
    again = cli("check", "--base", "main", "--json")
    assert again.exit_code == 0, again.stdout


def test_push_uses_the_ref_pre_commit_names(
    governed: Path, remote: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    git(governed, "remote", "add", "origin", str(remote))
    git(governed, "push", "-q", "origin", "main")
    base = git(governed, "rev-parse", "HEAD").strip()
    git(governed, "switch", "-q", "-c", "bad")
    write_stages(governed, {"churn": {"production": "1.0.0"}})
    bad = commit_all(governed, "Bad promotion")
    git(governed, "switch", "-q", "main")
    monkeypatch.setenv("PRE_COMMIT_LOCAL_BRANCH", "refs/heads/bad")
    monkeypatch.setenv("PRE_COMMIT_TO_REF", bad)
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", base)
    monkeypatch.setenv("PRE_COMMIT_REMOTE_NAME", "origin")
    result = cli("check", "--push", "--json")
    assert result.exit_code == 1
    assert {f["rule"] for f in _findings(result.stdout)} == {"min_metrics"}


def test_required_approvals_read_from_the_ci_environment(
    governed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _policy(governed, "[stage.production]\nrequired_approvals = 2\n")
    git(governed, "switch", "-q", "-c", "pr")
    write_stages(governed, {"churn": {"production": "1.2.0"}})
    commit_all(governed, "Promote")
    local = cli("check", "--base", "main", "--json")
    assert local.exit_code == 0
    assert _findings(local.stdout)[0]["severity"] == "warning"
    monkeypatch.setenv("GITML_APPROVALS", "1")
    one = cli("check", "--base", "main", "--json")
    assert one.exit_code == 1
    assert "has 1 approval(s), needs 2" in _findings(one.stdout)[0]["message"]
    monkeypatch.setenv("GITML_APPROVALS", "2")
    assert cli("check", "--base", "main").exit_code == 0


def test_staged_pointer_must_name_a_recorded_manifest(governed: Path) -> None:
    (governed / "data").mkdir()
    (governed / "data" / "a.txt").write_text("a\n")
    added = cli("data", "add", "data")
    assert added.exit_code == 0, added.stderr
    pointer = governed / ".gitml" / "data" / "data.toml"
    git(governed, "add", str(pointer))
    assert cli("check", "--staged").exit_code == 0
    commit_all(governed, "Track data")
    every = cli("check", "--all")
    assert every.exit_code == 0, every.stderr
    text = pointer.read_text()
    digest = text.split('manifest = "', 1)[1].split('"', 1)[0]
    pointer.write_text(text.replace(digest, "xxh3-128:" + "0" * 32))
    git(governed, "add", str(pointer))
    result = cli("check", "--staged")
    assert result.exit_code == 1
    assert (
        ".gitml/data/data.toml: manifest: dataset 'data' points at manifest xxh3-128:000"
        in result.stderr
    )
    assert "[data-pointer]" in result.stderr
