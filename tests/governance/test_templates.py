"""Shipped hook manifest, CI templates and ``git ml check --self-test``."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.support.core import cli

ROOT = Path(__file__).resolve().parents[2]
FETCH = "git ml fetch --ci"


def test_pre_commit_manifest_declares_the_three_hooks() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"gitml-validate", "gitml-check", "gitml-check-push"}
    assert hooks["gitml-check"]["stages"][0] == "pre-commit"
    assert hooks["gitml-check-push"]["stages"] == ["pre-push"]
    for name in ("gitml-check", "gitml-check-push"):
        hook = hooks[name]
        assert hook["language"] == "python"
        assert hook["always_run"] is True
        assert hook["require_serial"] is True
    assert hooks["gitml-check"]["pass_filenames"] is True  # --all-files judges the stages file
    assert hooks["gitml-check-push"]["pass_filenames"] is False


def test_ci_templates_parse_and_pull_gitml_refs_through_gitml() -> None:
    for rel in ("github/gitml-check.yml", "github/gitml-apply.yml", "gitlab/gitml.gitlab-ci.yml"):
        text = (ROOT / "hooks" / rel).read_text()
        assert yaml.safe_load(text)
        assert FETCH in text, rel
        assert "+refs/gitml/*:refs/gitml/*" not in text, rel  # that would skip the checks
    apply = (ROOT / "hooks" / "github" / "gitml-apply.yml").read_text()
    assert "git ml registry apply --push origin" in apply


def test_self_test_passes_on_this_checkout() -> None:
    result = cli("check", "--self-test", "--json")
    assert result.exit_code == 0, result.stdout
    assert '"ok": true' in result.stdout


def test_check_needs_exactly_one_mode() -> None:
    result = cli("check", "--staged", "--all")
    assert result.exit_code == 2
    assert "exactly one" in result.stderr
