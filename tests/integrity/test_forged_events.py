"""Stage events the default branch does not derive never count: pulls refuse them, apply will
not build on a log holding them, and no rule reads them.

The attack: an event "assign 1.0.0 -> production" by "Release Manager" pushed straight to
refs/gitml/registry, which no forge protects.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.integrity.forge import forge_commit, push_forced, show
from tests.support.core import cli, git
from tests.support.governance import commit_all, write_stages
from tests.support.integrity import Team, id_at, now_env, ok, publish, tip
from tests.support.registry import land, register

REGISTRY = "refs/gitml/registry"
POLICY = """schema = "gitml/policy/1"

[stage.production]
requires_stage = "staging"
min_metrics = { acc = 0.84 }
"""


@pytest.fixture
def applied(team: Team) -> Team:
    """churn 1.0.0-1.2.0 and other 1.0.0; 1.1.0 reached staging then production; pushed."""
    for version, acc in (("1.0.0", 0.80), ("1.1.0", 0.85), ("1.2.0", 0.90)):
        register(team.victim, version, acc)
    ok("model", "register", "other", "--run", team.runs[0], "--version", "1.0.0", "--no-artifact")
    (team.victim / ".gitml" / "policy.toml").write_text(POLICY)
    commit_all(team.victim, "Add a policy")
    land(team.victim, "promote", "churn", "1.1.0", "staging")
    ok("registry", "apply")
    land(team.victim, "promote", "churn", "1.1.0", "production")
    ok("registry", "apply")
    publish(team)
    return team


def forge_event(team: Team, *, model: str, version: str, stage: str, seq: int) -> tuple[str, str]:
    """Push a hand-written event; returns (path, commit)."""
    events = [
        p
        for p in git(team.attacker, "ls-tree", "-r", "--name-only", REGISTRY).split()
        if "/events/" in p and p.startswith("models/churn/")
    ]
    text = show(team.attacker, f"{REGISTRY}:{events[-1]}")
    event_id = id_at(0)
    own = re.search(r'^id = "(\w+)"', text, re.M)
    assert own is not None
    text = text.replace(own.group(1), event_id)
    text = re.sub(r'^model = ".*"$', f'model = "{model}"', text, flags=re.M)
    text = re.sub(r'^stage = ".*"$', f'stage = "{stage}"', text, flags=re.M)
    text = re.sub(r'^version = ".*"$', f'version = "{version}"', text, flags=re.M)
    text = re.sub(r"^seq = \d+$", f"seq = {seq}", text, flags=re.M)
    text = re.sub(r'^name = ".*"$', 'name = "Release Manager"', text, count=1, flags=re.M)
    path = f"models/{model}/events/000000/{seq:08d}-{event_id}.toml"
    bad = forge_commit(team.attacker, tip(team.attacker, REGISTRY), add={path: text}, env=now_env())
    push_forced(team.attacker, bad, REGISTRY)
    return path, bad


def push_registry_file(team: Team, path: str, data: str | bytes) -> None:
    """The attacker adds one file to the remote's registry ref."""
    forged = forge_commit(
        team.attacker, tip(team.attacker, REGISTRY), add={path: data}, env=now_env()
    )
    push_forced(team.attacker, forged, REGISTRY)


def refused_pull(team: Team) -> str:
    """``git ml pull`` in the victim's clone fails and leaves its registry ref as it was;
    what it printed on stderr."""
    before = tip(team.victim, REGISTRY)
    result = cli("pull")
    assert result.exit_code == 1
    assert tip(team.victim, REGISTRY) == before
    return result.stderr


def holder(stage: str, model: str = "churn") -> str:
    result = cli("model", "show", model, "--json")
    assert result.exit_code == 0, result.stderr
    import json

    return str(json.loads(result.stdout)["stages"].get(stage))


@pytest.mark.parametrize("model", ["churn", "other"])
def test_pull_refuses_a_stage_event_the_default_branch_does_not_derive(
    applied: Team, model: str
) -> None:
    path, _bad = forge_event(applied, model=model, version="1.0.0", stage="production", seq=3)
    before = tip(applied.victim, REGISTRY)
    result = cli("pull")
    assert result.exit_code == 1
    assert path in result.stderr
    assert "no change of .gitml/stages.toml" in result.stderr
    assert tip(applied.victim, REGISTRY) == before
    assert holder("production") == "1.1.0"
    history = cli("model", "history", "churn")
    assert history.exit_code == 0, history
    assert "1.1.0" in history.stdout, history  # the history is shown, without the forged event
    assert "Release Manager" not in history.stdout


def test_apply_refuses_to_extend_a_log_that_does_not_verify(applied: Team) -> None:
    path, _bad = forge_event(applied, model="churn", version="1.0.0", stage="production", seq=3)
    git(applied.victim, "fetch", "-q", "origin", "+refs/gitml/*:refs/gitml/*")
    land(applied.victim, "promote", "churn", "1.2.0", "staging")
    before = tip(applied.victim, REGISTRY)
    result = cli("registry", "apply")
    assert result.exit_code == 1
    assert path in result.stderr
    assert "registry verify" in result.stderr
    assert tip(applied.victim, REGISTRY) == before
    verify = cli("registry", "verify")
    assert verify.exit_code == 1
    assert path in verify.stdout
    check = cli("check", "--all")
    assert check.exit_code == 1
    assert path in check.stderr


def test_a_forged_staging_event_does_not_satisfy_requires_stage(applied: Team) -> None:
    forge_event(applied, model="churn", version="1.2.0", stage="staging", seq=3)
    git(applied.victim, "fetch", "-q", "origin", "+refs/gitml/*:refs/gitml/*")
    result = cli("promote", "churn", "1.2.0", "production")
    assert result.exit_code == 1
    assert "[requires_stage]" in result.stderr
    assert "must hold 'staging' before 'production'" in result.stderr


def test_model_state_after_a_refused_pull_is_the_genuine_one(applied: Team) -> None:
    forge_event(applied, model="churn", version="1.0.0", stage="production", seq=3)
    assert cli("pull").exit_code == 1
    out = Path(applied.victim / "deploy")
    got = cli("model", "get", "churn@production", "--to", str(out))
    assert got.exit_code == 0, got.stderr
    assert (out / "model.bin").read_text() == "model 1.1.0\n"


def test_pull_refuses_an_applied_state_record_its_schema_refuses(applied: Team) -> None:
    """An applied-state record that breaks its schema never reaches the rule check, so it
    cannot pass as verified: the pull names it."""
    from gitml.storage.collection import wide_shard_of

    root = git(applied.attacker, "rev-list", "--max-parents=0", "HEAD").split()[0]
    path = f"applied/{wide_shard_of(root)}/{root}.toml"
    text = (
        f'branch = "main"\ncommit = "{root}"\nnote = "written by hand"\n'
        'rules = [".gitml/policy.toml"]\nschema = "gitml/applied/1"\n'
    )
    push_registry_file(applied, path, text)
    assert path in refused_pull(applied)


@pytest.mark.parametrize("skips", ["the demotion", "nothing"])
def test_pull_refuses_an_applied_state_record_that_hides_an_unapplied_demotion(
    applied: Team, skips: str
) -> None:
    """The attack: main demotes churn 1.1.0 from production; before that is applied, a record
    that main was applied at a later commit (one that changed no stages) either lists the
    demotion among the changes it skips, or lists nothing, which `registry apply` would
    never go back past: either way no event would ever record the demotion."""
    from gitml.records import codec
    from gitml.registry.records import applied_path, build_applied

    demotion = land(applied.victim, "demote", "churn", "1.1.0", "production")
    git(applied.victim, "commit", "-q", "--allow-empty", "-m", "Update the docs")
    later = git(applied.victim, "rev-parse", "HEAD").strip()
    git(applied.victim, "push", "-q", "origin", "HEAD:refs/heads/main")
    path = applied_path(later)
    skipped = [later, demotion] if skips == "the demotion" else []
    record = codec.dump_bytes(build_applied(later, "main", [], skipped))
    push_registry_file(applied, path, record)
    assert f"{path}: matches no change of .gitml/stages.toml" in refused_pull(applied)
    assert "demote churn 1.1.0 from production" in ok("registry", "apply")


def test_pull_refuses_an_applied_state_record_that_skips_a_plain_promotion_and_its_revert(
    applied: Team,
) -> None:
    """The attack: main promotes churn 1.2.0 to staging (no rules change with it) and, a
    while later, reverts it; before either is applied, a record that the branch was applied
    at the revert, skipping both. The skip list is exactly the stage changes the revert
    undid, but `registry apply` skips changes only when a landing among them changed the
    rules and the stages together; it records the promotion and the revert as events."""
    from gitml.records import codec
    from gitml.registry.records import applied_path, build_applied

    promotion = land(applied.victim, "promote", "churn", "1.2.0", "staging")
    git(applied.victim, "revert", "--no-edit", "-m", "1", "HEAD")
    revert = git(applied.victim, "rev-parse", "HEAD").strip()
    git(applied.victim, "push", "-q", "origin", "HEAD:refs/heads/main")
    path = applied_path(revert)
    record = codec.dump_bytes(build_applied(revert, "main", [], [promotion, revert]))
    push_registry_file(applied, path, record)
    assert f"{path}: matches no change of .gitml/stages.toml" in refused_pull(applied)
    assert ok("registry", "apply").splitlines() == [
        f"promote churn 1.2.0 -> staging (merge {promotion[:7]}, seq 3)",
        f"promote churn 1.1.0 -> staging (commit {revert[:7]}, seq 4)",
    ]


def test_pull_accepts_the_record_apply_writes_for_a_reverted_mixed_landing(
    applied: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In another clone (CI): a pull request that changes the policy and promotes 1.2.0,
    merged, refused, reverted and applied; the victim's pull takes that record."""
    ci = applied.attacker
    monkeypatch.chdir(ci)
    git(ci, "switch", "-q", "-c", "pr")
    (ci / ".gitml" / "policy.toml").write_text(POLICY.replace("0.84", "0.5"))
    stages = ci / ".gitml" / "stages.toml"
    stages.write_text(stages.read_text().replace('production = "1.1.0"', 'production = "1.2.0"'))
    commit_all(ci, "Relax the policy and promote 1.2.0")
    git(ci, "switch", "-q", "main")
    git(ci, "merge", "-q", "--no-ff", "pr", "-m", "Merge pr")
    assert cli("registry", "apply").exit_code == 1
    git(ci, "revert", "--no-edit", "-m", "1", "HEAD")
    assert ok("registry", "apply") == ""
    git(ci, "push", "-q", "origin", "HEAD:refs/heads/main", f"{REGISTRY}:{REGISTRY}")
    monkeypatch.chdir(applied.victim)
    assert ok("pull") == "pulled from origin: 1 registry record(s)\n"
    git(applied.victim, "pull", "-q", "--ff-only", "origin", "main")
    assert cli("registry", "verify").exit_code == 0
    assert holder("production") == "1.1.0"


NO_HOOKS = ("-c", "core.hooksPath=/dev/null")
CONFIG = ".gitml/config.toml"


def _apply_on_a_pr_named_the_default(team: Team, monkeypatch: pytest.MonkeyPatch) -> None:
    """The attacker's PR branch ``pr`` names itself the default branch, merges a promotion
    and runs `registry apply` there: events that derive from ``pr``, never from main,
    pushed to the registry ref with the branch."""
    attacker = team.attacker
    monkeypatch.chdir(attacker)
    git(attacker, "switch", "-q", "-c", "pr")
    config = attacker / CONFIG
    text = config.read_text()
    assert 'default_branch = "main"' in text
    config.write_text(text.replace('default_branch = "main"', 'default_branch = "pr"'))
    commit_all(attacker, "Make pr the default branch", *NO_HOOKS)
    git(attacker, "switch", "-q", "-c", "promo")
    write_stages(attacker, {"churn": {"staging": "1.2.0", "production": "1.1.0"}})
    commit_all(attacker, "Promote 1.2.0 to staging", *NO_HOOKS)
    git(attacker, "switch", "-q", "pr")
    git(attacker, *NO_HOOKS, "merge", "-q", "--no-ff", "promo", "-m", "Merge promo")
    assert "promote churn 1.2.0 -> staging" in ok("registry", "apply")
    git(attacker, *NO_HOOKS, "push", "-q", "origin", "pr", f"{REGISTRY}:{REGISTRY}")


@pytest.mark.parametrize("named_by", ["GITHUB_BASE_REF", "remote HEAD"])
def test_fetch_ci_reads_stage_events_of_the_targets_default_branch(
    applied: Team, monkeypatch: pytest.MonkeyPatch, named_by: str
) -> None:
    """`fetch --ci` in the checkout of a PR whose config names its own branch the default
    one: the CI (or the remote's HEAD) names the target, whose committed config names the
    default branch, so the PR's events are refused as deriving from no change on main."""
    team = applied
    _apply_on_a_pr_named_the_default(team, monkeypatch)
    victim = team.victim
    monkeypatch.chdir(victim)
    before = tip(victim, REGISTRY)
    git(victim, "fetch", "-q", "origin", "pr")
    git(victim, "switch", "-q", "-c", "pr", "FETCH_HEAD")
    if named_by == "remote HEAD":
        git(victim, "remote", "set-head", "origin", "main")
    else:
        monkeypatch.setenv(named_by, "main")
    result = cli("fetch", "--ci")
    git(victim, "switch", "-q", "main")
    assert result.exit_code == 1, result.stdout
    assert "matches no change of .gitml/stages.toml on 'main'" in result.stderr, result.stderr
    assert tip(victim, REGISTRY) == before


def test_fetch_ci_in_a_pr_to_a_release_branch_reads_the_default_branchs_events(
    applied: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A PR to a release branch: the CI names the release branch as the target, whose
    committed config names main the default branch; the events main derives are fetched."""
    team = applied
    victim = team.victim
    git(victim, "push", "-q", "origin", "main:refs/heads/release-1")
    land(victim, "promote", "churn", "1.2.0", "staging")
    ok("registry", "apply")
    publish(team)
    ci = tmp_path / "ci"
    git(tmp_path, "clone", "-q", str(team.remote), str(ci))
    git(ci, "switch", "-q", "-c", "fix", "origin/release-1")
    monkeypatch.chdir(ci)
    monkeypatch.setenv("GITHUB_BASE_REF", "release-1")
    result = cli("fetch", "--ci")
    assert result.exit_code == 0, result.stderr
    assert tip(ci, REGISTRY) == tip(victim, REGISTRY)
    assert holder("staging") == "1.2.0"
