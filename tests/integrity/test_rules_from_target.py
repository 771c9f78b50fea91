"""The rules in force for a promotion are the target's, never the change's.

Policy, stage configuration and allowed signers come from the default branch as it stood
before the change landed (the merge base for a PR check), and a change that touches the
rules and the stages together is refused, however it is merged.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from gitml.records import codec
from tests.governance.test_signed import _key
from tests.support.core import cli, git
from tests.support.governance import commit_all, write_stages
from tests.support.integrity import ok, tip
from tests.support.registry import land

REGISTRY = "refs/gitml/registry"
POLICY = ".gitml/policy.toml"
MIXED = "change the rules and the stages in separate pull requests"


@pytest.fixture
def live(governed: Path) -> Path:
    """``governed`` with 1.2.0 applied in production (min acc 0.84 there)."""
    land(governed, "promote", "churn", "1.2.0", "production")
    ok("registry", "apply")
    return governed


LAX = [
    'schema = "gitml/policy/1"\n\n[stage.production]\nmin_metrics = { acc = 0.7 }\n'
    "no_regression = { acc = 0.0 }\n",
    'schema = "gitml/policy/1"\n\n[stage.production]\nmin_metrics = { acc = 0.7 }\n',
    'schema = "gitml/policy/1"\n\n[stage.production]\nmin_metrics = { acc = 0.5 }\n',
]


def _relax(repo: Path, step: int = 2) -> None:
    """Loosen the policy so that churn 1.0.0 (acc 0.8) passes it (fully at ``step`` 2)."""
    (repo / POLICY).write_text(LAX[step])


def _pr_relax_then_promote(repo: Path, *, relax_commits: int = 1) -> None:
    git(repo, "switch", "-q", "-c", "pr")
    for n in range(relax_commits):
        _relax(repo, 2 - relax_commits + 1 + n)
        commit_all(repo, f"Relax the policy ({n + 1})")
    write_stages(repo, {"churn": {"production": "1.0.0"}})
    commit_all(repo, "Promote churn 1.0.0")
    git(repo, "switch", "-q", "main")


def _refused_everywhere(repo: Path) -> None:
    before = tip(repo, REGISTRY)
    result = cli("registry", "apply")
    assert result.exit_code == 1, result
    assert MIXED in result.stderr
    assert tip(repo, REGISTRY) == before
    ok("model", "get", "churn@production", "--to", str(repo / "out"))
    assert (repo / "out" / "model.bin").read_text() == "model 1.2.0\n"


def test_the_pr_check_judges_by_the_base_and_refuses_rules_with_stages(live: Path) -> None:
    _pr_relax_then_promote(live)
    git(live, "switch", "-q", "pr")
    result = cli("check", "--base", "main")
    assert result.exit_code == 1
    assert MIXED in result.stderr
    assert "acc = 0.8 is below the minimum 0.84" in result.stderr
    git(live, "switch", "-q", "main")


def test_the_pre_commit_check_refuses_rules_and_stages_staged_together(live: Path) -> None:
    """``check --staged`` (the pre-commit hook) refuses the mix before it is a commit; each
    half staged alone is judged on its own."""
    _relax(live)
    write_stages(live, {"churn": {"production": "1.0.0"}})
    git(live, "add", "-A")
    result = cli("check", "--staged")
    assert result.exit_code == 1, result
    assert MIXED in result.stderr
    git(live, "restore", "-q", "--staged", ".gitml/stages.toml")
    rules_alone = cli("check", "--staged")
    assert rules_alone.exit_code == 0, rules_alone


@pytest.mark.parametrize("how", ["fast-forward", "rebase", "merge-commit", "squash"])
def test_apply_refuses_rules_and_stages_however_they_were_merged(live: Path, how: str) -> None:
    _pr_relax_then_promote(live)
    if how == "fast-forward":
        git(live, "merge", "-q", "--ff-only", "pr")
    elif how == "rebase":
        (live / "unrelated.txt").write_text("main moved on\n")
        commit_all(live, "Unrelated work on main")
        git(live, "rebase", "-q", "main", "pr")
        git(live, "switch", "-q", "main")
        git(live, "merge", "-q", "--ff-only", "pr")
    elif how == "merge-commit":
        git(live, "merge", "-q", "--no-ff", "pr", "-m", "Merge pr")
    else:
        git(live, "merge", "-q", "--squash", "pr")
        commit_all(live, "Squashed pr")
    _refused_everywhere(live)


def test_a_rule_change_split_across_three_commits_is_refused(live: Path) -> None:
    _pr_relax_then_promote(live, relax_commits=3)
    git(live, "merge", "-q", "--ff-only", "pr")
    _refused_everywhere(live)


def test_rules_merged_separately_apply_to_later_promotions(live: Path) -> None:
    git(live, "switch", "-q", "-c", "rules")
    _relax(live)
    commit_all(live, "Relax the policy")
    git(live, "switch", "-q", "main")
    git(live, "merge", "-q", "--no-ff", "rules", "-m", "Merge rules")
    ok("registry", "apply")
    land(live, "promote", "churn", "1.0.0", "production")
    result = cli("registry", "apply")
    assert result.exit_code == 0, result.stderr
    assert "promote churn 1.0.0 -> production" in result.stdout


def _production_terminal(repo: Path) -> None:
    """Make production a terminal stage in the config (no rule judges its assignments)."""
    config = repo / ".gitml" / "config.toml"
    doc = tomllib.loads(config.read_text())
    doc["stages"] = {"order": ["dev", "staging"], "terminal": ["archived", "production"]}
    config.write_text(codec.dumps(doc))


def test_a_pr_cannot_reconfigure_the_stages_it_assigns(live: Path) -> None:
    git(live, "switch", "-q", "-c", "pr")
    _production_terminal(live)
    (live / ".gitml" / "stages.toml").write_text(
        'schema = "gitml/stages/1"\n\n[models.churn]\nproduction = ["1.0.0", "1.2.0"]\n'
    )
    commit_all(live, "Make production terminal and add 1.0.0")
    check = cli("check", "--base", "main")
    assert check.exit_code == 1
    assert MIXED in check.stderr
    assert "[schema]" in check.stderr  # read by the base's stages, production takes one version
    git(live, "switch", "-q", "main")
    git(live, "merge", "-q", "--no-ff", "pr", "-m", "Merge pr")
    before = tip(live, REGISTRY)
    refused = cli("registry", "apply")
    assert refused.exit_code == 1
    assert MIXED in refused.stderr
    assert tip(live, REGISTRY) == before
    # Reverting the merge is how to recover: apply records the applied state, nothing else.
    git(live, "revert", "--no-edit", "-m", "1", "HEAD")
    assert ok("registry", "apply") == ""
    ok("model", "get", "churn@production", "--to", str(live / "out"))
    assert (live / "out" / "model.bin").read_text() == "model 1.2.0\n"
    assert cli("registry", "verify").exit_code == 0
    land(live, "promote", "churn", "1.1.0", "staging")
    assert "promote churn 1.1.0 -> staging" in ok("registry", "apply")


def test_a_fork_pr_is_judged_by_upstream_rules(live: Path, tmp_path: Path) -> None:
    fork = tmp_path / "fork"
    git(tmp_path, "clone", "-q", str(live), str(fork))
    _relax(fork)
    write_stages(fork, {"churn": {"production": "1.0.0"}})
    commit_all(fork, "Relax and promote")
    git(live, "fetch", "-q", str(fork), "main:refs/pull/1/head")
    git(live, "switch", "-q", "--detach", "refs/pull/1/head")
    result = cli("check", "--base", "main")
    git(live, "switch", "-q", "main")
    assert result.exit_code == 1
    assert MIXED in result.stderr
    assert "acc = 0.8 is below the minimum 0.84" in result.stderr


def test_a_pr_with_no_history_in_common_is_judged_by_the_base_rules(live: Path) -> None:
    """A PR branch that shares no commit with the base has no merge base to take the rules
    from; one that brings only a stages file (no policy, no config) must still be judged
    by the base's policy, never by the work tree, which is the PR's own checkout."""
    git(live, "switch", "-q", "--orphan", "pr")
    (live / ".gitml").mkdir()
    write_stages(live, {"churn": {"production": "1.0.0"}})
    commit_all(live, "Promote churn 1.0.0 on a history of its own")
    assert not (live / POLICY).exists()
    result = cli("check", "--base", "main")
    git(live, "switch", "-q", "--discard-changes", "main")
    assert result.exit_code == 1, result.stdout
    assert "acc = 0.8 is below the minimum 0.84" in result.stderr


def test_check_all_judges_pending_stages_by_the_rules_before_they_changed(live: Path) -> None:
    """Direct commits past the hooks, none applied: a relaxed policy, then a promotion it
    allows. `check --all` judges the promotion as `registry apply` will, by the rules at
    the base of the first change since the last applied state: neither the work tree's
    nor HEAD's policy."""
    _relax(live)
    commit_all(live, "Relax the policy")
    write_stages(live, {"churn": {"production": "1.0.0"}})
    commit_all(live, "Promote churn 1.0.0")
    result = cli("check", "--all")
    assert result.exit_code == 1
    assert "acc = 0.8 is below the minimum 0.84" in result.stderr


@pytest.mark.parametrize("loosened", ["policy", "stage configuration"])
def test_the_pre_commit_check_judges_by_heads_rules_not_the_work_trees(
    live: Path, loosened: str
) -> None:
    """Rules loosened in the work tree but not staged (a relaxed policy, or production made
    a terminal stage no rule judges) do not judge a staged promotion: HEAD's rules do."""
    if loosened == "policy":
        _relax(live)
    else:
        _production_terminal(live)
    write_stages(live, {"churn": {"production": "1.0.0"}})
    git(live, "add", ".gitml/stages.toml")
    result = cli("check", "--staged")
    git(live, "reset", "-q", "--hard")
    assert result.exit_code == 1, result.stdout
    assert "acc = 0.8 is below the minimum 0.84" in result.stderr


def test_the_pre_commit_check_refuses_a_stage_configuration_staged_with_stages(
    live: Path,
) -> None:
    """A staged change of ``[stages]`` in the config (production made terminal) with a
    staged stages file is a rules change with a stage change, as a policy change is."""
    _production_terminal(live)
    (live / ".gitml" / "stages.toml").write_text(
        'schema = "gitml/stages/1"\n\n[models.churn]\nproduction = ["1.0.0", "1.2.0"]\n'
    )
    git(live, "add", "-A")
    result = cli("check", "--staged")
    git(live, "reset", "-q", "--hard")
    assert result.exit_code == 1, result.stdout
    assert MIXED in result.stderr
    assert ".gitml/config.toml" in result.stderr


needs_ssh = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen")


def _signer_line(key: Path) -> str:
    kind, blob = key.with_suffix(".pub").read_text().split()[:2]
    return f'test@example.com namespaces="git" {kind} {blob}\n'


@needs_ssh
def test_a_pr_cannot_add_its_own_signing_key(live: Path, tmp_path: Path) -> None:
    good, mine = _key(tmp_path, "good"), _key(tmp_path, "mine")
    signers = live / ".gitml" / "allowed_signers"
    signers.write_text(_signer_line(good))
    with (live / POLICY).open("a") as fh:
        fh.write('require_signed = true\nallowed_signers = ".gitml/allowed_signers"\n')
    commit_all(live, "Require signed promotions")
    ok("registry", "apply")
    git(live, "switch", "-q", "-c", "pr")
    signers.write_text(_signer_line(good) + _signer_line(mine))
    write_stages(live, {"churn": {"production": "1.1.0"}})
    sign = ["-c", "gpg.format=ssh", "-c", f"user.signingkey={mine}", "-c", "commit.gpgsign=true"]
    git(live, "add", "-A")
    git(live, *sign, "commit", "-q", "-m", "Trust my key; promote 1.1.0")
    check = cli("check", "--base", "main")
    assert check.exit_code == 1
    assert MIXED in check.stderr
    assert "is not signed by an allowed key" in check.stderr  # the base's signers judge
    git(live, "switch", "-q", "main")
    sign = ["-c", "gpg.format=ssh", "-c", f"user.signingkey={mine}", "-c", "commit.gpgsign=true"]
    git(live, *sign, "merge", "-q", "--no-ff", "pr", "-m", "Merge pr")
    _refused_everywhere(live)


@pytest.mark.parametrize("how", ["merge-commit", "fast-forward"])
def test_the_record_of_a_reverted_mixed_landing_verifies(live: Path, how: str) -> None:
    """What `registry apply` skips is what the checks accept: fast-forwarded, the rules
    commit comes before the first stage change skipped, in the same landing."""
    from gitml.config import load_settings
    from gitml.registry.records import applied_path
    from gitml.registry.trust import trusted_log
    from gitml.registry.verify import verify
    from gitml.storage.repo import open_repo

    _pr_relax_then_promote(live)
    if how == "merge-commit":
        git(live, "merge", "-q", "--no-ff", "pr", "-m", "Merge pr")
        git(live, "revert", "--no-edit", "-m", "1", "HEAD")
    else:
        git(live, "merge", "-q", "--ff-only", "pr")
        git(live, "revert", "--no-edit", "HEAD")  # the promotion; the relaxed policy stays
    revert = git(live, "rev-parse", "HEAD").strip()
    assert ok("registry", "apply") == ""
    record = tomllib.loads(git(live, "show", f"{REGISTRY}:{applied_path(revert)}"))
    assert len(record["skipped"]) == 2
    repo, settings = open_repo(live), load_settings(live)
    assert trusted_log(repo, settings, {}).untrusted == []
    assert verify(repo, settings, {}).ok
    land(live, "promote", "churn", "1.1.0", "staging")
    assert "promote churn 1.1.0 -> staging" in ok("registry", "apply")
