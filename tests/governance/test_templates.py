"""Shipped hook manifest, CI templates and ``git ml check --self-test``."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.conftest import cli

ROOT = Path(__file__).resolve().parents[2]
REFSPEC = "+refs/gitml/*:refs/gitml/*"


def test_pre_commit_manifest_declares_the_three_hooks() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"gitml-validate", "gitml-check", "gitml-check-push"}
    assert hooks["gitml-check"]["stages"][0] == "pre-commit"
    assert hooks["gitml-check-push"]["stages"] == ["pre-push"]
    for name in ("gitml-check", "gitml-check-push"):
        hook = hooks[name]
        assert hook["language"] == "python"
        assert hook["always_run"] is True
        assert hook["pass_filenames"] is False
        assert hook["require_serial"] is True


def test_ci_templates_parse_and_fetch_gitml_refs() -> None:
    for rel in ("github/gitml-check.yml", "github/gitml-apply.yml", "gitlab/gitml.gitlab-ci.yml"):
        text = (ROOT / "hooks" / rel).read_text()
        assert yaml.safe_load(text)
        assert REFSPEC in text, rel
    apply = (ROOT / "hooks" / "github" / "gitml-apply.yml").read_text()
    assert "git ml registry apply" in apply
    assert "refs/gitml/registry:refs/gitml/registry" in apply


def test_self_test_passes_on_this_checkout() -> None:
    result = cli("check", "--self-test", "--json")
    assert result.exit_code == 0, result.stdout
    assert '"ok": true' in result.stdout


def test_check_needs_exactly_one_mode() -> None:
    result = cli("check", "--staged", "--all")
    assert result.exit_code == 2
    assert "exactly one" in result.stderr
