"""``git ml registry verify``: tampering and missed changes are reported precisely."""

from __future__ import annotations

import os
import time
import tomllib
from pathlib import Path

import pytest

from tests.registry.test_apply import land
from tests.support.core import cli, git
from tests.support.registry import event_paths, ok

STAGES = ".gitml/stages.toml"


@pytest.fixture
def applied(three_versions: Path) -> Path:
    """Three applied changes: 1.0.0 -> production, 1.1.0 -> production, 1.2.0 -> staging."""
    land(three_versions, "promote", "churn", "1.0.0", "production")
    land(three_versions, "promote", "churn", "1.1.0", "production")
    land(three_versions, "promote", "churn", "1.2.0", "staging")
    ok("registry", "apply")
    return three_versions


def rewrite_registry(
    repo: Path,
    *,
    remove: str | None = None,
    add: tuple[str, str] | None = None,
    parent: bool = True,
) -> None:
    """Move refs/gitml/registry by hand (plain git), as someone tampering would."""
    env = {"GIT_INDEX_FILE": str(repo / ".git" / "tamper-index")}
    git(repo, "read-tree", "refs/gitml/registry", env=env)
    if remove:
        git(repo, "rm", "-q", "--cached", remove, env=env)
    if add:
        path, text = add
        (repo / ".git" / "tamper-blob").write_text(text)
        blob = git(repo, "hash-object", "-w", str(repo / ".git" / "tamper-blob")).strip()
        git(repo, "update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", env=env)
    tree = git(repo, "write-tree", env=env).strip()
    args = ["commit-tree", tree, "-m", "hand edit"]
    if parent:
        args += ["-p", "refs/gitml/registry"]
    now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    commit = git(repo, *args, env={"GIT_COMMITTER_DATE": now}).strip()
    git(repo, "update-ref", "refs/gitml/registry", commit)
    os.unlink(repo / ".git" / "tamper-index")


def problems(repo: Path) -> list[str]:
    result = cli("registry", "verify")
    assert result.exit_code == (1 if result.stdout else 0), result.stderr
    return [line.removeprefix("problem: ") for line in result.stdout.splitlines()]


def test_verify_passes_on_an_applied_log(applied: Path) -> None:
    result = cli("registry", "verify")
    assert result.exit_code == 0
    assert result.stdout == ""
    head = git(applied, "rev-parse", "main").strip()
    assert result.stderr == (
        f"ok: 3 event(s) on refs/gitml/registry, 3 derived from .gitml/stages.toml on main ({head[:12]})\n"
    )


def test_verify_reports_a_change_never_applied(applied: Path) -> None:
    merge = land(applied, "demote", "churn", "1.2.0", "staging")
    assert problems(applied) == [
        f".gitml/stages.toml: models.churn.staging: change `demote churn 1.2.0 from staging` "
        f"(commit {merge[:12]}) was never applied; run `git ml registry apply` on 'main'"
    ]
    ok("registry", "apply")
    assert problems(applied) == []


def test_verify_reports_a_deleted_event(applied: Path) -> None:
    second = event_paths(applied)[1]
    doc = tomllib.loads(git(applied, "show", f"refs/gitml/registry:{second}"))
    rewrite_registry(applied, remove=second)
    found = problems(applied)
    assert found == [
        f".gitml/stages.toml: models.churn.production: change `promote churn 1.1.0 -> production` "
        f"(commit {doc['commit'][:12]}) its event is missing from the log (deleted?)",
        f"refs/gitml/registry: commit {git(applied, 'rev-parse', 'refs/gitml/registry').strip()[:12]} "
        f"deletes {second}; records are append-only (correct a record with a new one)",
    ]


def test_verify_reports_a_rewritten_history_without_trace(applied: Path) -> None:
    last = event_paths(applied)[-1]
    rewrite_registry(applied, remove=last, parent=False)
    [problem] = problems(applied)
    assert "change `promote churn 1.2.0 -> staging`" in problem
    assert "was never applied" in problem


def test_verify_reports_an_event_written_by_hand(applied: Path) -> None:
    first = event_paths(applied)[0]
    text = git(applied, "show", f"refs/gitml/registry:{first}")
    forged = text.replace('version = "1.0.0"', 'version = "1.2.0"').replace("seq = 1", "seq = 4")
    forged_id = "01KE0C9A1B2C3D4E5F6G7H8J9K"
    doc = tomllib.loads(forged)
    forged = forged.replace(f'id = "{doc["id"]}"', f'id = "{forged_id}"')
    path = f"models/churn/events/000000/00000004-{forged_id}.toml"
    rewrite_registry(applied, add=(path, forged))
    assert problems(applied) == [
        f"refs/gitml/registry:{path}: event `promote churn 1.2.0 -> production` (commit "
        f"{doc['commit'][:12]}) matches no change of .gitml/stages.toml on 'main' (written by "
        "hand, or from another history)"
    ]


def test_verify_reports_an_edited_event(applied: Path) -> None:
    first = event_paths(applied)[0]
    text = git(applied, "show", f"refs/gitml/registry:{first}")
    rewrite_registry(applied, add=(first, text.replace('version = "1.0.0"', 'version = "1.1.0"')))
    found = problems(applied)
    assert found[0].startswith(
        f"refs/gitml/registry:{first}: differs from `promote churn 1.0.0 -> production`"
    )
    assert found[0].endswith("version = '1.1.0' (expected '1.0.0')")
    assert f"changes {first} (" in found[1]
    assert found[1].endswith("records are append-only (correct a record with a new one)")
    assert len(found) == 2


def test_verify_reports_an_invalid_record(applied: Path) -> None:
    path = "models/churn/events/000000/00000009-junk.toml"
    rewrite_registry(applied, add=(path, 'schema = "gitml/stage-event/1"\nseq = "x"\n'))
    invalid, misfiled = problems(applied)
    assert invalid.startswith(f"refs/gitml/registry:{path}: invalid record: {path}: ")
    assert misfiled.endswith(f"adds {path}, which is not a path this collection uses")


def test_verify_reports_a_direct_change_the_policy_did_not_allow(three_versions: Path) -> None:
    policy = three_versions / ".gitml/policy.toml"
    original = policy.read_text()
    policy.write_text(original + "\n[stage.dev]\nallow_direct = true\n")
    git(three_versions, "commit", "-q", "-am", "allow direct dev")
    ok("promote", "churn", "1.0.0", "dev", "--direct")
    assert problems(three_versions) == []
    (three_versions / STAGES).write_text(
        (three_versions / STAGES).read_text().replace('dev = "1.0.0"', 'staging = "1.0.0"')
    )
    git(three_versions, "commit", "-q", "-am", "sneak\n\nGitml-Promotion: direct")
    ok("registry", "apply")
    head = git(three_versions, "rev-parse", "HEAD").strip()
    assert problems(three_versions) == [
        f"commit {head[:12]}: churn 1.0.0 was changed in 'staging' directly, but "
        ".gitml/policy.toml before that commit did not allow it"
    ]


def test_verify_reports_two_events_with_one_seq(applied: Path) -> None:
    last = event_paths(applied)[-1]
    text = git(applied, "show", f"refs/gitml/registry:{last}")
    doc = tomllib.loads(text)
    forged_id = "01KE0C9A1B2C3D4E5F6G7H8J9K"
    forged = text.replace(doc["id"], forged_id).replace('version = "1.2.0"', 'version = "1.0.0"')
    path = last.replace(doc["id"], forged_id)
    rewrite_registry(applied, add=(path, forged))
    found = problems(applied)
    assert found[0] == (
        f"refs/gitml/registry: model 'churn' has 2 events with seq 3: {path}, {last}"
        if path < last
        else f"refs/gitml/registry: model 'churn' has 2 events with seq 3: {last}, {path}"
    )
    assert "matches no change of .gitml/stages.toml" in found[1]


def test_verify_checks_another_revision_and_a_ci_checkout(
    applied: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first_merge = git(applied, "log", "--first-parent", "--merges", "--format=%H", "main").split()[
        -1
    ]
    result = cli("registry", "verify", "--rev", first_merge)
    assert result.exit_code == 1
    assert "matches no change" in result.stdout
    git(applied, "switch", "-q", "--detach")
    git(applied, "branch", "-q", "-D", "main")
    missing = cli("registry", "verify")
    assert missing.exit_code == 1, missing
    assert "there is no local branch 'main'" in missing.stderr
    monkeypatch.setenv("GITHUB_REF", "refs/heads/main")
    assert cli("registry", "verify").exit_code == 0
