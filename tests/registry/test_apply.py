"""``git ml registry apply``: stage events from the default branch's history, exactly once."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.support.core import cli, git
from tests.support.index import count_openings
from tests.support.registry import event_paths, land, ok, ok_json, registry_tip

STAGES = ".gitml/stages.toml"


def events(repo: Path) -> list[dict[str, object]]:
    return [tomllib.loads(git(repo, "show", f"refs/gitml/registry:{p}")) for p in event_paths(repo)]


def test_apply_records_a_merge_with_trailers_and_is_idempotent(three_versions: Path) -> None:
    merge = land(three_versions, "promote", "churn", "1.1.0", "production")
    result = cli("registry", "apply")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"promote churn 1.1.0 -> production (merge {merge[:7]}, seq 1)\n"
    [event] = events(three_versions)
    side = git(three_versions, "rev-parse", f"{merge}^2").strip()
    assert event == {
        "schema": "gitml/stage-event/1",
        "event": "model_version_alias.created",
        "id": event["id"],
        "seq": 1,
        "model": "churn",
        "stage": "production",
        "action": "assign",
        "version": "1.1.0",
        "commit": merge,
        "committed": event["committed"],
        "author": {"name": "Test User", "email": "test@example.com"},
        "source": "merge",
        "change": {"commit": side, "author": {"name": "Test User", "email": "test@example.com"}},
    }
    log = git(three_versions, "log", "-1", "--format=%B", "refs/gitml/registry")
    assert log.splitlines()[0] == f"promote churn 1.1.0 -> production (merge {merge[:7]})"
    trailers = git(
        three_versions, "log", "-1", "--format=%(trailers:only,unfold)", "refs/gitml/registry"
    )
    assert trailers.splitlines()[:6] == [
        "Gitml-Model: churn",
        "Gitml-Stage: production",
        "Gitml-Version: 1.1.0",
        "Gitml-Event: model_version_alias.created",
        f"Gitml-Merge-Commit: {merge}",
        "Gitml-Actor: Test User <test@example.com>",
    ]
    tip = registry_tip(three_versions)
    again = cli("registry", "apply")
    assert again.exit_code == 0
    assert again.stdout == ""
    assert "nothing to apply" in again.stderr
    assert registry_tip(three_versions) == tip


def test_apply_catches_up_several_changes_in_order(three_versions: Path) -> None:
    first = land(three_versions, "promote", "churn", "1.0.0", "production")
    second = land(three_versions, "promote", "churn", "1.1.0", "production")
    third = land(three_versions, "archive", "churn", "1.0.0")
    report = ok_json("registry", "apply")
    assert [(e["seq"], e["summary"], e["commit"]) for e in report["applied"]] == [
        (1, "promote churn 1.0.0 -> production", first),
        (2, "promote churn 1.1.0 -> production", second),
        (3, "archive churn 1.0.0 (archived)", third),
    ]
    assert report["applied"][1]["previous"] == "1.0.0"
    subject = git(three_versions, "log", "-1", "--format=%s", "refs/gitml/registry").strip()
    assert subject == f"apply 3 stage changes (3 commits, {first[:7]}..{third[:7]})"
    assert ok_json("model", "show", "churn")["stages"] == {
        "production": "1.1.0",
        "archived": ["1.0.0"],
    }
    demote = land(three_versions, "demote", "churn", "1.1.0", "production")
    [event] = ok_json("registry", "apply")["applied"]
    assert (event["event"], event["seq"], event["commit"]) == (
        "model_version_alias.deleted",
        4,
        demote,
    )
    assert ok_json("model", "show", "churn")["stages"] == {"archived": ["1.0.0"]}


def test_apply_outside_the_default_branch_is_refused(three_versions: Path) -> None:
    land(three_versions, "promote", "churn", "1.1.0", "production")
    git(three_versions, "switch", "-q", "-c", "feature")
    result = cli("registry", "apply")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: registry apply runs only on the default branch 'main' (this checkout is on "
        "'feature'); merge the change and run it there (in CI), or set core.default_branch in "
        ".gitml/config.toml\n"
    )
    assert (
        registry_tip(three_versions)
        == git(three_versions, "rev-parse", "refs/gitml/registry").strip()
    )
    assert event_paths(three_versions) == []


def test_apply_in_a_detached_ci_checkout_trusts_the_ci_branch(
    three_versions: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    land(three_versions, "promote", "churn", "1.1.0", "production")
    git(three_versions, "switch", "-q", "--detach")
    monkeypatch.setenv("CI_COMMIT_BRANCH", "release")
    refused = cli("registry", "apply")
    assert refused.exit_code == 1, refused
    assert "this checkout is on a detached HEAD (CI branch 'release')" in refused.stderr
    monkeypatch.setenv("CI_COMMIT_BRANCH", "main")
    monkeypatch.setenv("GITLAB_USER_LOGIN", "ada")
    monkeypatch.setenv("CI_PIPELINE_URL", "https://gitlab.example.com/p/-/pipelines/7")
    assert len(ok_json("registry", "apply")["applied"]) == 1
    trailers = git(three_versions, "log", "-1", "--format=%(trailers:only)", "refs/gitml/registry")
    assert "Gitml-Actor: Test User <test@example.com> (gitlab:ada)\n" in trailers
    assert "Gitml-CI-Run: https://gitlab.example.com/p/-/pipelines/7\n" in trailers


def test_apply_refuses_a_broken_file_at_the_tip_and_writes_nothing(three_versions: Path) -> None:
    (three_versions / STAGES).write_text(
        'schema = "gitml/stages/1"\n[models.churn]\nproduction = "1.9.0"\n'
    )
    git(three_versions, "commit", "-q", "-am", "hand edit")
    result = cli("registry", "apply")
    head = git(three_versions, "rev-parse", "HEAD").strip()
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: .gitml/stages.toml (commit {head[:12]}): models.churn.production: version "
        "'1.9.0' of 'churn' is not registered; `git ml model show churn` lists its versions\n"
    )
    assert (
        registry_tip(three_versions)
        == git(three_versions, "rev-parse", "refs/gitml/registry").strip()
    )
    (three_versions / STAGES).write_text('schema = "gitml/stages/1"\n[models.churn\n')
    git(three_versions, "commit", "-q", "-am", "syntax error")
    result = cli("registry", "apply")
    assert result.exit_code == 1
    assert "error: .gitml/stages.toml (commit " in result.stderr
    assert "invalid TOML" in result.stderr
    assert event_paths(three_versions) == []


def test_apply_skips_a_broken_commit_that_a_later_one_fixed(three_versions: Path) -> None:
    (three_versions / STAGES).write_text('schema = "gitml/stages/1"\n[models.churn\n')
    git(three_versions, "commit", "-q", "-am", "broken")
    broken = git(three_versions, "rev-parse", "HEAD").strip()
    (three_versions / STAGES).write_text(
        'schema = "gitml/stages/1"\n[models.churn]\nstaging = "1.2.0"\n'
    )
    git(three_versions, "commit", "-q", "-am", "fixed")
    result = cli("registry", "apply")
    assert result.exit_code == 0
    assert (
        f"warning: skipped commit {broken[:12]}: .gitml/stages.toml at commit {broken[:12]}: invalid TOML"
        in result.stderr
    )
    assert "promote churn 1.2.0 -> staging" in result.stdout
    assert [e["source"] for e in events(three_versions)] == ["commit"]


def test_two_concurrent_applies_write_each_event_once(three_versions: Path) -> None:
    expected = []
    for i in range(12):
        version = ["1.0.0", "1.1.0", "1.2.0"][i % 3]
        stage = ["dev", "staging", "production"][i % 3]
        expected.append(land(three_versions, "promote", "churn", version, stage))
        ok("demote", "churn", version, stage)
        git(three_versions, "commit", "-q", "-am", f"demote {i}")
    code = "from gitml.cli import main\nfor _ in range(3):\n    assert main(['registry', 'apply']) == 0\n"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=three_versions,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    found = events(three_versions)
    assert sorted(e["seq"] for e in found) == list(range(1, 25))  # type: ignore[type-var]
    assert len({e["id"] for e in found}) == 24
    assert [e["commit"] for e in found if e["action"] == "assign"] == expected
    verify = cli("registry", "verify")
    assert verify.exit_code == 0, verify.stdout


def test_events_are_identical_in_every_clone(
    three_versions: Path, remote: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    land(three_versions, "promote", "churn", "1.1.0", "production")
    git(three_versions, "remote", "add", "origin", str(remote))
    ok("push")
    git(three_versions, "push", "-q", "origin", "main")
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(remote), str(other))
    ok("registry", "apply")
    monkeypatch.chdir(other)
    ok("pull")
    assert (
        cli("registry", "apply").stdout
        == f"promote churn 1.1.0 -> production (merge {git(other, 'rev-parse', 'HEAD').strip()[:7]}, seq 1)\n"
    )
    monkeypatch.chdir(three_versions)
    ok("push")
    monkeypatch.chdir(other)
    pulled = cli("pull")
    assert pulled.exit_code == 0, pulled.stderr
    assert event_paths(other) == event_paths(three_versions)
    assert len(event_paths(other)) == 1
    assert cli("registry", "verify").exit_code == 0


def test_apply_push_sends_the_log_to_the_remote(three_versions: Path, remote: Path) -> None:
    git(three_versions, "remote", "add", "origin", str(remote))
    land(three_versions, "promote", "churn", "1.2.0", "staging")
    report = ok_json("registry", "apply", "--push", "origin")
    assert report["pushed"]
    assert git(remote, "rev-parse", "refs/gitml/registry").strip() == registry_tip(three_versions)


def test_apply_and_verify_json_shapes(three_versions: Path) -> None:
    merge = land(three_versions, "promote", "churn", "1.0.0", "dev")
    applied = ok_json("registry", "apply")
    assert set(applied) == {"branch", "commit", "applied", "skipped", "registry", "pushed"}
    assert applied["branch"] == "main"
    assert applied["commit"] == merge
    assert applied["registry"] == registry_tip(three_versions)
    verified = ok_json("registry", "verify")
    assert verified == {
        "ok": True,
        "branch": "main",
        "commit": merge,
        "events": 1,
        "expected": 1,
        "problems": [],
        "skipped": [],
    }


def test_apply_in_a_clone_without_records_says_to_fetch_them(
    three_versions: Path, remote: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    land(three_versions, "promote", "churn", "1.1.0", "production")
    git(three_versions, "remote", "add", "origin", str(remote))
    git(three_versions, "push", "-q", "origin", "main")
    ok("push")
    ci = tmp_path / "ci"
    git(tmp_path, "clone", "-q", str(remote), str(ci))
    monkeypatch.chdir(ci)
    result = cli("registry", "apply")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: refs/gitml/registry does not exist in this clone, but .gitml/stages.toml "
        "assigns versions; fetch the gitml records first (`git ml fetch --ci`, or "
        "`git ml pull`), then apply\n"
    )
    ok("fetch", "--ci")
    assert [e["summary"] for e in ok_json("registry", "apply")["applied"]] == [
        "promote churn 1.1.0 -> production"
    ]


def test_apply_in_a_shallow_clone_asks_for_history(
    three_versions: Path, remote: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    land(three_versions, "promote", "churn", "1.1.0", "production")
    git(three_versions, "commit", "-q", "--allow-empty", "-m", "later")
    git(three_versions, "remote", "add", "origin", str(remote))
    git(three_versions, "push", "-q", "origin", "main")
    ok("push")
    ci = tmp_path / "ci"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{remote}", str(ci))
    git(ci, "fetch", "-q", "origin", "refs/gitml/registry:refs/gitml/registry")
    monkeypatch.chdir(ci)
    result = cli("registry", "apply")
    assert result.exit_code == 1
    assert "goes beyond this shallow clone's history" in result.stderr
    assert "run `git fetch --unshallow`" in result.stderr
    assert git(ci, "for-each-ref", "--format=%(objectname)", "refs/gitml/registry").strip()
    ok("fetch", "--ci")
    [event] = ok_json("registry", "apply")["applied"]
    assert event["source"] == "merge"


def test_a_long_backlog_lists_a_bounded_number_of_events_in_the_message() -> None:
    from gitml.registry.actor import Actor
    from gitml.registry.apply import MESSAGE_EVENTS, commit_message

    events = [
        {
            "model": "churn",
            "stage": "production",
            "version": str(n),
            "action": "assign",
            "event": "model_version_alias.created",
            "source": "commit",
            "commit": f"{n:040x}",
        }
        for n in range(MESSAGE_EVENTS + 25)
    ]
    message = commit_message(
        events, [e["commit"] for e in events], Actor("CI", "ci@example.com"), set()
    )
    assert message.startswith(f"apply {MESSAGE_EVENTS + 25} stage changes")
    assert message.count("Gitml-Model: churn") == MESSAGE_EVENTS
    assert f"- promote churn {MESSAGE_EVENTS - 1} -> production" in message
    assert f"- promote churn {MESSAGE_EVENTS} -> production" not in message
    assert "- and 25 more;" in message
    assert message.rstrip().endswith("Gitml-Actor: CI <ci@example.com>")


def test_apply_opens_the_registry_index_once(
    three_versions: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One connection, its lock and its statements, handed from the trust check to the plan,
    # the policy checks and the trust point's move: each opening costs them again.
    land(three_versions, "promote", "churn", "1.0.0", "staging")
    ok("registry", "apply")  # a trust point, as every apply after the first finds one
    land(three_versions, "promote", "churn", "1.1.0", "staging")
    opened = count_openings(monkeypatch)
    ok("registry", "apply")
    assert len(event_paths(three_versions)) == 2
    assert len(opened) == 1, opened
