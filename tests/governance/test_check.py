"""``git ml check --base``, ``registry apply`` refusals and bad policy files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.core import cli, git
from tests.support.governance import commit_all, write_stages


def _pr(repo: Path, version: str, branch: str = "pr") -> None:
    git(repo, "switch", "-q", "-c", branch)
    write_stages(repo, {"churn": {"production": version}})
    commit_all(repo, f"Promote churn {version} to production")


def test_check_base_reports_a_promotion_below_threshold_in_markdown(governed: Path) -> None:
    _pr(governed, "1.0.0")
    result = cli("check", "--base", "main", "--format", "markdown")
    assert result.exit_code == 1
    md = result.stdout
    assert md.startswith("## ❌ gitml check: 1 error(s)")
    assert "### churn 1.0.0 → `production`: ❌ blocked" in md
    assert "| acc | 0.8 | — |" in md
    assert "acc = 0.8 is below the minimum 0.84" in md
    assert "policy .gitml/policy.toml: stage.production.min_metrics" in md


def test_check_base_passes_a_good_promotion(governed: Path) -> None:
    _pr(governed, "1.2.0")
    result = cli("check", "--base", "main", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["ok"] is True
    assert [p["version"] for p in doc["promotions"]] == ["1.2.0"]


def test_check_base_blocks_a_regression_against_the_current_holder(governed: Path) -> None:
    write_stages(governed, {"churn": {"production": "1.2.0"}})
    commit_all(governed, "Promote 1.2.0")
    _pr(governed, "1.1.0")
    result = cli("check", "--base", "main", "--format", "markdown")
    assert result.exit_code == 1
    assert "| version | **1.1.0** | 1.2.0 |" in result.stdout
    assert "regresses from 0.9" in result.stdout


def test_bad_promotion_pushed_with_no_verify_is_refused_by_ci_and_apply(governed: Path) -> None:
    _pr(governed, "1.0.0")
    git(governed, "switch", "-q", "main")
    git(governed, "merge", "-q", "--no-ff", "--no-verify", "pr", "-m", "Merge pr")
    ci = cli("check", "--base", "HEAD^1", "--format", "markdown")
    assert ci.exit_code == 1
    assert "below the minimum" in ci.stdout
    applied = cli("registry", "apply")
    assert applied.exit_code == 1
    assert "refuses 1 policy violation" in applied.stderr
    assert "min_metrics" in applied.stderr
    events = git(governed, "ls-tree", "-r", "--name-only", "refs/gitml/registry")
    assert "/events/" not in events


def test_apply_accepts_a_promotion_that_passes(governed: Path) -> None:
    _pr(governed, "1.2.0")
    git(governed, "switch", "-q", "main")
    git(governed, "merge", "-q", "--no-ff", "pr", "-m", "Merge pr")
    applied = cli("registry", "apply")
    assert applied.exit_code == 0, applied.stderr
    assert "promote churn 1.2.0 -> production" in applied.stdout


def test_policy_the_pr_relaxes_is_not_the_one_it_is_judged_by(governed: Path) -> None:
    git(governed, "switch", "-q", "-c", "pr")
    (governed / ".gitml" / "policy.toml").write_text('schema = "gitml/policy/1"\n')
    write_stages(governed, {"churn": {"production": "1.0.0"}})
    commit_all(governed, "Relax and promote")
    result = cli("check", "--base", "main", "--json")
    assert result.exit_code == 1
    rules = {f["rule"] for p in json.loads(result.stdout)["promotions"] for f in p["findings"]}
    assert "min_metrics" in rules


def test_policy_syntax_error_names_the_line(governed: Path) -> None:
    (governed / ".gitml" / "policy.toml").write_text(
        'schema = "gitml/policy/1"\n[stage.production\n'
    )
    result = cli("validate", ".gitml/policy.toml")
    assert result.exit_code == 1
    assert "line 2" in result.stderr


def test_policy_unknown_rule_and_wrong_type_name_the_field(governed: Path) -> None:
    (governed / ".gitml" / "policy.toml").write_text(
        'schema = "gitml/policy/1"\n[stage.production]\nmin_metric = { acc = 0.9 }\n'
        'require_clean_code = "yes"\n'
    )
    commit_all(governed, "Bad policy")
    result = cli("check", "--all")
    assert result.exit_code == 1
    assert "stage.production.min_metric: is not a known field" in result.stderr
    assert "stage.production.require_clean_code" in result.stderr


def test_promote_command_refuses_below_threshold(governed: Path) -> None:
    result = cli("promote", "churn", "1.0.0", "production")
    assert result.exit_code != 0
    assert "below the minimum 0.84" in result.stderr


def test_staged_policy_with_a_syntax_error_is_refused_naming_the_line(governed: Path) -> None:
    (governed / ".gitml" / "policy.toml").write_text(
        'schema = "gitml/policy/1"\n\n[stage.production]\nmin_metrics = { acc = }\n'
    )
    git(governed, "add", ".gitml/policy.toml")
    result = cli("check", "--staged")
    assert result.exit_code == 1
    assert ".gitml/policy.toml: " in result.stderr
    assert "line 4" in result.stderr


def test_check_in_a_clone_without_gitml_refs_says_to_fetch_them(
    governed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _pr(governed, "1.2.0")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--no-local", str(governed), str(clone))
    git(clone, "branch", "-q", "main", "origin/main")
    monkeypatch.chdir(clone)
    result = cli("check", "--base", "main")
    assert result.exit_code == 1
    assert "`git ml fetch --ci` in CI" in result.stderr
