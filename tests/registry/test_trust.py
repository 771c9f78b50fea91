"""The applied log's trust is checked from the last trust point: events derived since are
believed without verifying the whole log again; anything that does not extend the
point verifies it all (and a forged event is refused either way)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from gitml.config import Settings, load_settings
from gitml.records import codec
from gitml.registry import trust
from gitml.registry.records import applied_path, build_applied
from gitml.registry.trustpoint import load_trust_point, save_trust_point
from gitml.registry.verify import verify
from gitml.storage.repo import open_repo
from tests.registry.test_verify import rewrite_registry
from tests.support.core import git
from tests.support.integrity import id_at
from tests.support.registry import event_paths, land, ok, register, registry_tip


@pytest.fixture
def full_runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the whole-log verifications ``trusted_log`` falls back to."""
    calls: list[int] = []
    whole = trust.verify

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return whole(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(trust, "verify", counted)
    return calls


def trusted(repo: Path) -> trust.Trust:
    return trust.trusted_log(open_repo(repo), load_settings(repo), {})


@pytest.fixture
def trusted_point(three_versions: Path) -> Path:
    """Two applied changes and a trust point at them."""
    land(three_versions, "promote", "churn", "1.0.0", "production")
    land(three_versions, "promote", "churn", "1.1.0", "production")
    ok("registry", "apply")
    assert trusted(three_versions) == trust.Trust([], None)
    point = load_trust_point(open_repo(three_versions))
    assert point is not None
    assert point.registry == registry_tip(three_versions)
    return three_versions


def test_events_applied_since_the_trust_point_are_believed_without_a_full_verify(
    trusted_point: Path, full_runs: list[int]
) -> None:
    repo = open_repo(trusted_point)
    before = load_trust_point(repo)
    assert before is not None
    land(trusted_point, "promote", "churn", "1.2.0", "staging")
    ok("registry", "apply")  # as another gitml version would: the trust point stays behind
    save_trust_point(repo, before)
    assert trusted(trusted_point) == trust.Trust([], None)
    assert full_runs == []
    after = load_trust_point(repo)
    assert after is not None
    assert (after.registry, after.branch) == (
        registry_tip(trusted_point),
        git(trusted_point, "rev-parse", "main").strip(),
    )
    assert after.seqs == {"churn": 3}
    assert after.pending == []


def test_a_forged_event_past_the_trust_point_is_refused(
    trusted_point: Path, full_runs: list[int]
) -> None:
    last = event_paths(trusted_point)[-1]
    text = git(trusted_point, "show", f"refs/gitml/registry:{last}")
    doc = tomllib.loads(text)
    forged_id = id_at(0)
    forged = (
        text.replace(doc["id"], forged_id)
        .replace('version = "1.1.0"', 'version = "1.2.0"')
        .replace("seq = 2", "seq = 3")
    )
    path = f"models/churn/events/000000/00000003-{forged_id}.toml"
    rewrite_registry(trusted_point, add=(path, forged))
    repo = open_repo(trusted_point)
    point = load_trust_point(repo)
    assert point is not None
    tip = git(trusted_point, "rev-parse", "main").strip()
    assert trust.advance(repo, load_settings(trusted_point), point, tip) is None
    found = trusted(trusted_point)
    assert full_runs == [1]
    assert any(path in problem and "matches no change" in problem for problem in found.untrusted)
    assert found.verified is not None
    assert forged_id not in found.verified
    assert load_trust_point(repo) == point  # an untrusted log moves no trust point


def test_a_log_that_does_not_descend_from_the_trust_point_is_verified_whole(
    trusted_point: Path, full_runs: list[int]
) -> None:
    rewrite_registry(trusted_point, parent=False)  # the same records, another history
    assert trusted(trusted_point).untrusted == []
    assert full_runs == [1]
    point = load_trust_point(open_repo(trusted_point))
    assert point is not None
    assert point.registry == registry_tip(trusted_point)


def test_a_branch_that_does_not_pass_through_the_trust_point_is_verified_whole(
    trusted_point: Path, full_runs: list[int]
) -> None:
    point = git(trusted_point, "rev-parse", "main").strip()
    git(trusted_point, "reset", "-q", "--hard", "main~1")
    git(trusted_point, "commit", "-q", "--allow-empty", "-m", "elsewhere")
    git(trusted_point, "merge", "-q", "--no-ff", "-m", "take the old tip", point)
    # The trust point's commit is reachable from main, but only through a second parent.
    found = trusted(trusted_point)
    assert full_runs == [1]
    assert any("matches no change" in problem for problem in found.untrusted)


def applied_then_taken_back(repo: Path) -> dict[str, str]:
    """The events ``registry apply`` writes for what landed since the trust point (text by
    path), taken back off the registry ref with the trust point restored: what a hostile
    registry edits before this clone fetches it."""
    grepo = open_repo(repo)
    point = load_trust_point(grepo)
    assert point is not None
    before = set(event_paths(repo))
    ok("registry", "apply")
    added = [p for p in event_paths(repo) if p not in before]
    texts = {p: git(repo, "show", f"refs/gitml/registry:{p}") for p in added}
    git(repo, "update-ref", "refs/gitml/registry", point.registry)
    save_trust_point(grepo, point)
    return texts


@pytest.fixture
def staging_event(trusted_point: Path) -> tuple[str, str]:
    """(path, text) of the event of churn 1.2.0 -> staging, landed on main but taken back
    off the registry ref (``applied_then_taken_back``)."""
    land(trusted_point, "promote", "churn", "1.2.0", "staging")
    [(path, text)] = applied_then_taken_back(trusted_point).items()
    return path, text


def test_an_expected_event_edited_past_the_trust_point_is_refused(
    trusted_point: Path, staging_event: tuple[str, str], full_runs: list[int]
) -> None:
    path, text = staging_event
    # The id, model and seq its path names stay: only what the event says is changed.
    forged = text.replace('version = "1.2.0"', 'version = "1.0.0"')
    assert forged != text
    rewrite_registry(trusted_point, add=(path, forged))
    found = trusted(trusted_point)
    assert full_runs == [1]
    assert [p for p in found.untrusted if path in p] == [
        f"refs/gitml/registry:{path}: differs from `promote churn 1.2.0 -> staging` "
        f"(commit {git(trusted_point, 'rev-parse', 'main').strip()[:12]}): "
        "version = '1.0.0' (expected '1.2.0')"
    ]
    assert found.verified is not None
    assert tomllib.loads(forged)["id"] not in found.verified


def test_an_event_missing_before_a_later_one_past_the_trust_point_is_refused(
    trusted_point: Path, full_runs: list[int]
) -> None:
    land(trusted_point, "demote", "churn", "1.1.0", "production")
    land(trusted_point, "promote", "churn", "1.2.0", "staging")
    events = applied_then_taken_back(trusted_point)
    promotion = max(events)  # seq 4: the demotion's event, seq 3, is left out
    rewrite_registry(trusted_point, add=(promotion, events[promotion]))
    found = trusted(trusted_point)
    assert full_runs == [1]
    assert any(
        "`demote churn 1.1.0 from production`" in p and "missing from the log (deleted?)" in p
        for p in found.untrusted
    )


def test_an_expected_event_filed_at_another_path_is_refused_before_it_is_matched(
    trusted_point: Path, staging_event: tuple[str, str], full_runs: list[int]
) -> None:
    path, text = staging_event
    misfiled = path.replace("/00000003-", "/00000004-")
    rewrite_registry(trusted_point, add=(misfiled, text))
    # The registry's history audit and its index both refuse the path; no event at a path
    # other than its own ever reaches the comparison with the expected events.
    found = trusted(trusted_point)
    assert full_runs == [1]
    assert any(
        f"refs/gitml/registry:{misfiled}: invalid record" in p
        and "says seq = 3 but its path says 4" in p
        for p in found.untrusted
    )


def test_an_applied_state_record_that_skips_a_change_applied_before_is_refused(
    trusted_point: Path, full_runs: list[int]
) -> None:
    promotion = git(trusted_point, "rev-parse", "main").strip()  # 1.1.0 -> production, applied
    git(trusted_point, "revert", "--no-edit", "-m", "1", "HEAD")
    revert = git(trusted_point, "rev-parse", "HEAD").strip()
    # The revert did undo the promotion, but its event is in the log: skipping both would
    # leave 1.1.0 in production with no event for the revert.
    # No landing among them mixed rules and stages either, so the record itself is refused.
    marker = build_applied(revert, "main", [], [promotion, revert])
    path = applied_path(revert)
    rewrite_registry(trusted_point, add=(path, codec.dumps(marker)))
    found = trusted(trusted_point)
    assert full_runs == [1]
    assert any(
        p.startswith(f"refs/gitml/registry:{path}: skips 2 stage change(s)")
        for p in found.untrusted
    )


def refused_record(repo: Path, full_runs: list[int], commit: str, skipped: list[str]) -> str:
    """Add by hand a record that ``main`` was applied at ``commit``, skipping ``skipped``;
    the problems the check from the trust point finds (the same as the whole verification
    finds, which it falls back to once)."""
    path = applied_path(commit)
    rewrite_registry(repo, add=(path, codec.dumps(build_applied(commit, "main", [], skipped))))
    found = trusted(repo)
    assert full_runs == [1]
    whole = verify(open_repo(repo), load_settings(repo), {})
    assert whole.untrusted == found.untrusted
    return "\n".join(found.untrusted)


@pytest.mark.parametrize("skips", ["a change it did not undo", "a commit this clone lacks"])
def test_an_applied_state_record_that_skips_changes_it_did_not_undo_is_refused(
    trusted_point: Path, full_runs: list[int], skips: str
) -> None:
    demotion = land(trusted_point, "demote", "churn", "1.1.0", "production")
    git(trusted_point, "commit", "-q", "--allow-empty", "-m", "Update the docs")
    later = git(trusted_point, "rev-parse", "HEAD").strip()
    # ``later`` changed no stages, so the stages file is the same before and after it.
    skipped = [later, demotion] if skips == "a change it did not undo" else ["0" * 40]
    assert (
        f"refs/gitml/registry:{applied_path(later)}: skips {len(skipped)} commit(s) that are "
        f"not the stage changes from {skipped[0][:12]} through {later[:12]} (written by hand?)"
    ) in refused_record(trusted_point, full_runs, later, skipped)


def test_an_applied_state_record_past_a_change_whose_event_is_missing_is_refused(
    trusted_point: Path, full_runs: list[int]
) -> None:
    demotion = land(trusted_point, "demote", "churn", "1.1.0", "production")
    git(trusted_point, "commit", "-q", "--allow-empty", "-m", "Update the docs")
    later = git(trusted_point, "rev-parse", "HEAD").strip()
    # Applied "at" a later commit, the demotion would never be applied: `registry apply`
    # goes back no further than the newest commit the log says was applied.
    path = applied_path(later)
    rewrite_registry(trusted_point, add=(path, codec.dumps(build_applied(later, "main", []))))
    found = trusted(trusted_point)
    assert full_runs == [1]
    assert found.untrusted == [
        f"refs/gitml/registry:{path}: says 'main' was applied at {later[:12]}, but the log "
        "has no event of the change before it: `demote churn 1.1.0 from production` "
        f"(commit {demotion[:12]}) (written by hand?)"
    ]
    whole = verify(open_repo(trusted_point), load_settings(trusted_point), {})
    assert whole.untrusted == found.untrusted


def test_a_rewritten_branch_without_the_trust_point_is_verified_whole(
    trusted_point: Path, full_runs: list[int]
) -> None:
    git(trusted_point, "reset", "-q", "--hard", "main~1")  # before 1.1.0 went to production
    land(trusted_point, "promote", "churn", "1.2.0", "production")
    found = trusted(trusted_point)
    assert full_runs == [1]
    assert any(
        "`promote churn 1.1.0 -> production`" in p and "matches no change" in p
        for p in found.untrusted
    )


@pytest.fixture
def left_out(three_versions: Path, full_runs: list[int]) -> Path:
    """An applied change left out for naming 2.0.0, not registered yet, and a trust point."""
    stages = three_versions / ".gitml/stages.toml"
    stages.write_text('schema = "gitml/stages/1"\n[models.churn]\nstaging = "2.0.0"\n')
    git(three_versions, "commit", "-q", "-am", "names a version not registered yet")
    stages.write_text('schema = "gitml/stages/1"\n[models.churn]\nstaging = "1.2.0"\n')
    git(three_versions, "commit", "-q", "-am", "fixed")
    ok("registry", "apply")
    assert trusted(three_versions) == trust.Trust([], None)
    assert full_runs == [1]
    point = load_trust_point(open_repo(three_versions))
    assert point is not None
    assert len(point.skipped) == 1
    return three_versions


def test_a_version_registered_after_a_change_was_left_out_verifies_whole(
    left_out: Path, full_runs: list[int]
) -> None:
    # Registered now, 2.0.0 makes the change left out valid: only a whole verification
    # says what the log must then hold.
    register(left_out, "2.0.0", 0.95)
    found = trusted(left_out)
    assert full_runs == [1, 1]
    whole = verify(open_repo(left_out), load_settings(left_out), {})
    assert whole.untrusted  # the change now derives events the applied log lacks
    assert found.untrusted == whole.untrusted


def test_a_deleted_stages_file_left_out_does_not_verify_whole_at_each_registration(
    three_versions: Path, full_runs: list[int]
) -> None:
    stages = three_versions / ".gitml/stages.toml"
    land(three_versions, "promote", "churn", "1.0.0", "production")
    kept = stages.read_text()
    git(three_versions, "rm", "-q", ".gitml/stages.toml")
    git(three_versions, "commit", "-q", "-m", "deleted by mistake")
    stages.write_text(kept)
    git(three_versions, "add", ".gitml/stages.toml")
    git(three_versions, "commit", "-q", "-m", "restored")
    ok("registry", "apply")
    assert trusted(three_versions) == trust.Trust([], None)
    runs = len(full_runs)
    register(three_versions, "1.3.0", 0.95)
    assert trusted(three_versions) == trust.Trust([], None)
    register(three_versions, "1.4.0", 0.96)
    assert trusted(three_versions) == trust.Trust([], None)
    assert len(full_runs) == runs
    point = load_trust_point(open_repo(three_versions))
    assert point is not None
    assert point.skipped == []  # no registration can make a deleted file valid


def test_a_version_no_change_left_out_names_does_not_verify_whole(
    left_out: Path, full_runs: list[int]
) -> None:
    register(left_out, "1.3.0", 0.95)  # not the 2.0.0 the change left out waits for
    assert trusted(left_out) == trust.Trust([], None)
    assert full_runs == [1]
    point = load_trust_point(open_repo(left_out))
    assert point is not None
    assert len(point.skipped) == 1  # still waiting for 2.0.0


def test_a_judgement_answers_only_for_its_repository_tip_settings_and_environment(
    tmp_path: Path,
) -> None:
    repos = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        git(tmp_path / name, "init", "-q")
        repos.append(open_repo(tmp_path / name))
    mine, other = repos
    settings = Settings()
    judged = trust.LogJudgement(
        repo=mine.state_dir,
        registry="1" * 40,
        branch="2" * 40,
        settings=settings,
        env={"CI": "1"},
        trust=trust.Trust(["untrusted"], frozenset()),
    )
    assert judged.holds_for(mine, "1" * 40, settings, {"CI": "1"})
    assert not judged.holds_for(other, "1" * 40, settings, {"CI": "1"})
    assert not judged.holds_for(mine, "3" * 40, settings, {"CI": "1"})
    assert not judged.holds_for(mine, "1" * 40, settings._replace(default_branch="x"), {"CI": "1"})
    assert not judged.holds_for(mine, "1" * 40, settings, {})
    assert not judged._replace(branch="").holds_for(mine, "1" * 40, settings, {"CI": "1"})


def _reverted_mixed_landing(repo: Path, how: str = "merge-commit") -> list[str]:
    """A pull request that adds a policy, then promotes 1.2.0 to staging, landed (``how``),
    refused by `registry apply`, reverted and applied (skipped); the changes skipped."""
    git(repo, "switch", "-q", "-c", "pr")
    (repo / ".gitml" / "policy.toml").write_text('schema = "gitml/policy/1"\n')
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Add a policy")
    stages = repo / ".gitml" / "stages.toml"
    stages.write_text(stages.read_text() + 'staging = "1.2.0"\n')
    git(repo, "commit", "-q", "-am", "Promote 1.2.0")
    git(repo, "switch", "-q", "main")
    if how == "merge-commit":
        git(repo, "merge", "-q", "--no-ff", "pr", "-m", "Merge pr")
        git(repo, "revert", "--no-edit", "-m", "1", "HEAD")
    else:  # the rules commit comes before the first change skipped, in the same landing
        git(repo, "merge", "-q", "--ff-only", "pr")
        git(repo, "revert", "--no-edit", "HEAD")
    assert ok("registry", "apply") == ""
    return [git(repo, "rev-parse", rev).strip() for rev in ("HEAD~1", "HEAD")]


@pytest.mark.parametrize("how", ["merge-commit", "fast-forward"])
def test_the_record_apply_writes_for_a_reverted_mixed_landing_is_believed_from_the_trust_point(
    trusted_point: Path, full_runs: list[int], how: str
) -> None:
    repo = open_repo(trusted_point)
    before = load_trust_point(repo)
    assert before is not None
    skipped = _reverted_mixed_landing(trusted_point, how)
    # As a clone whose trust point predates the landing sees the record arrive.
    save_trust_point(repo, before)
    full_runs.clear()
    assert trusted(trusted_point) == trust.Trust([], None)
    assert full_runs == []
    after = load_trust_point(repo)
    assert after is not None
    assert after.registry == registry_tip(trusted_point)
    assert after.undone == sorted(skipped)


@pytest.mark.parametrize("skips", ["a plain promotion", "a mixed landing applied before"])
def test_an_applied_state_record_that_skips_a_plain_promotion_and_its_revert_is_refused(
    trusted_point: Path, full_runs: list[int], skips: str
) -> None:
    """Net zero and undone, but no landing among the changes skipped mixed rules and stages
    (or the one that did was applied before): `registry apply` records both as events."""
    earlier = _reverted_mixed_landing(trusted_point) if skips != "a plain promotion" else ()
    full_runs.clear()
    promotion = land(trusted_point, "promote", "churn", "1.2.0", "staging")
    git(trusted_point, "revert", "--no-edit", "-m", "1", "HEAD")
    revert = git(trusted_point, "rev-parse", "HEAD").strip()
    skipped = [*earlier, promotion, revert]
    assert (
        f"refs/gitml/registry:{applied_path(revert)}: skips {len(skipped)} stage change(s) "
        f"through {revert[:12]}, but `registry apply` skips changes only when they are all "
        "those since the last applied state and one landing among them changed the rules and "
        "the stages together (written by hand?)"
    ) in refused_record(trusted_point, full_runs, revert, skipped)
