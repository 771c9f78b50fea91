"""Settings that loosen a check come from the rules in force, never from what is judged.

In CI the work tree is the pull request's own checkout, so a check that read its limits
from there would let the change set them: the file size limit of ``check --base``, the
clock skew the audit of fetched records allows, the allowed signers of index snapshots.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.integrity.forge import forge_commit, push_forced
from tests.integrity.test_index_snapshot import (
    _forge_segment,
    _forged_snapshot,
    _fresh_clone,
    _key,
    records_still_say,
)
from tests.integrity.test_latest import forged_run
from tests.support.core import cli, git
from tests.support.governance import commit_all
from tests.support.integrity import Team, id_at, now_env, ok, tip

CONFIG = ".gitml/config.toml"
RUNS = "refs/gitml/runs"
NO_HOOKS = ("-c", "core.hooksPath=/dev/null")
MIB = 1024 * 1024


def _add_setting(repo: Path, text: str) -> None:
    path = repo / CONFIG
    path.write_text(path.read_text() + text)


@pytest.mark.parametrize(("limit", "size", "shown"), [(100, 6, 5), (1, 2, 1)])
def test_a_pr_cannot_raise_its_own_file_size_limit(
    governed: Path, limit: int, size: int, shown: int
) -> None:
    """A PR that raises ``check.max_git_file_mb`` and commits a file over the base's limit
    is refused by the base's limit; one that lowers it is held to its own, the stricter."""
    git(governed, "switch", "-q", "-c", "pr")
    _add_setting(governed, f"\n[check]\nmax_git_file_mb = {limit}\n")
    (governed / "weights.bin").write_bytes(b"\0" * (size * MIB))
    commit_all(governed, "Raise the limit and commit the weights", *NO_HOOKS)
    result = cli("check", "--base", "main")
    git(governed, "switch", "-q", "main")
    assert result.exit_code == 1, result.stdout
    assert (
        f"weights.bin: check.max_git_file_mb: {size:.1f} MiB is over the {shown} MiB limit"
        in result.stderr
    )


def _future_run(team: Team) -> str:
    """The attacker pushes a run whose id claims a day ahead; its commit is dated now."""
    run_id = id_at(86_400)
    path, text = forged_run(team, run_id, "baseline")
    bad = forge_commit(team.attacker, tip(team.attacker, RUNS), add={path: text}, env=now_env())
    push_forced(team.attacker, bad, RUNS)
    return path


WIDE = "\n[sync]\nclock_skew_seconds = 1000000000\n"


@pytest.mark.parametrize("where", ["pr branch", "work tree"])
def test_fetch_ci_judges_ids_by_the_default_branchs_clock_skew(team: Team, where: str) -> None:
    """`fetch --ci` in a PR's checkout (the PR widened ``sync.clock_skew_seconds``), or
    with the setting widened in the work tree only: the future id is still refused, by the
    committed setting of the default branch; nothing local changes."""
    path = _future_run(team)
    before = tip(team.victim, RUNS)
    if where == "pr branch":
        git(team.victim, "switch", "-q", "-c", "pr")
        _add_setting(team.victim, WIDE)
        commit_all(team.victim, "Allow any clock skew", *NO_HOOKS)
    else:
        _add_setting(team.victim, WIDE)
    result = cli("fetch", "--ci")
    git(team.victim, "reset", "-q", "--hard")
    git(team.victim, "switch", "-q", "main")
    assert result.exit_code == 1, result.stdout
    assert path in result.stderr
    assert "ids cannot claim the future" in result.stderr
    assert tip(team.victim, RUNS) == before


def test_check_all_judges_ids_by_the_committed_clock_skew(team: Team) -> None:
    """`check --all` audits local records by HEAD's committed skew (and the default
    branch's), never by a skew widened in the work tree."""
    path = _future_run(team)
    git(team.victim, "fetch", "-q", "origin", "+refs/gitml/*:refs/gitml/*")
    _add_setting(team.victim, WIDE)
    result = cli("check", "--all")
    git(team.victim, "reset", "-q", "--hard")
    assert result.exit_code == 1, result.stdout
    assert f"adds {path}" in result.stderr


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen")
def test_snapshot_signers_in_the_work_tree_are_refused(
    team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An allowed-signers file inside the work tree (a PR's checkout could add its own key
    there) trusts no index snapshot: one warning naming ``gitml.index.signers``; `ls` and
    `show` say what the records say, not the forged rows signed by the PR's key."""
    ci = _key(tmp_path, "ci")
    kind, text = ci.with_suffix(".pub").read_text().split()[:2]
    outside = tmp_path / "allowed_signers"
    outside.write_text(f'ci@example.com namespaces="git" {kind} {text}\n')
    git(team.victim, "config", "gpg.format", "ssh")
    git(team.victim, "config", "user.signingkey", str(ci))
    monkeypatch.chdir(team.victim)
    ok("index", "publish")
    ok("push", "--no-data")

    victim_run = team.runs[3]
    git(team.attacker, "fetch", "-q", "origin", "+refs/gitml/*:refs/gitml/*")
    mine = _key(tmp_path, "mine")
    sign = ("-c", "gpg.format=ssh", "-c", f"user.signingkey={mine}")
    forged = _forged_snapshot(team.attacker, _forge_segment(team.attacker, victim_run, 0.99), *sign)
    git(team.attacker, "push", "-q", "-f", "origin", f"{forged}:refs/gitml/index")

    clone = _fresh_clone(team, tmp_path, "checkout", None)
    inside = clone / ".gitml" / "allowed_signers"
    kind, text = mine.with_suffix(".pub").read_text().split()[:2]
    inside.write_text(f'pr@example.com namespaces="git" {kind} {text}\n')
    git(clone, "config", "gitml.index.signers", str(inside))
    stderr = records_still_say(clone, victim_run, monkeypatch)
    assert "gitml.index.signers" in stderr
    assert "work tree" in stderr
    assert len([line for line in stderr.splitlines() if "not using" in line]) == 1


@pytest.mark.parametrize("mode", ["--base", "--all"])
def test_a_pr_that_moves_the_pointer_folder_hides_no_pointer(governed: Path, mode: str) -> None:
    """A PR that sets its own ``data.pointer_dir``: pointers in the base's folder (which
    would come alive again when the setting is moved back) and in the PR's folder are both
    judged as pointers, by the PR check and by `check --all` in the PR's checkout."""
    git(governed, "switch", "-q", "-c", "pr")
    _add_setting(governed, '\n[data]\npointer_dir = "ptr"\n')
    for folder in (governed / ".gitml" / "data", governed / "ptr"):
        folder.mkdir(exist_ok=True)
        (folder / "evil.toml").write_text('schema = "gitml/pointer/1"\n')
    commit_all(governed, "Move the pointers and add two", *NO_HOOKS)
    result = cli("check", "--base", "main") if mode == "--base" else cli("check", "--all")
    git(governed, "switch", "-q", "main")
    assert result.exit_code == 1, result.stdout
    for path in (".gitml/data/evil.toml", "ptr/evil.toml"):
        assert f"error: {path}: bytes: is required; fix it" in result.stderr


@pytest.mark.parametrize("named_by", ["GITHUB_BASE_REF", "CI_DEFAULT_BRANCH", "remote HEAD"])
def test_a_pr_that_renames_the_default_branch_widens_no_skew(
    team: Team, monkeypatch: pytest.MonkeyPatch, named_by: str
) -> None:
    """A PR whose config also names its own branch the default one (so that its own
    config would be the default branch's): the branch the CI says is the target or the
    default, or the remote's HEAD, still holds the skew to its committed value."""
    path = _future_run(team)
    before = tip(team.victim, RUNS)
    git(team.victim, "switch", "-q", "-c", "pr")
    config = team.victim / CONFIG
    text = config.read_text()
    assert 'default_branch = "main"' in text
    config.write_text(text.replace('default_branch = "main"', 'default_branch = "pr"') + WIDE)
    commit_all(team.victim, "Make this branch the default and allow any skew", *NO_HOOKS)
    git(team.victim, "push", "-q", "--no-verify", "origin", "pr")
    if named_by == "remote HEAD":
        git(team.victim, "remote", "set-head", "origin", "main")
    else:
        monkeypatch.setenv(named_by, "main")
    result = cli("fetch", "--ci")
    git(team.victim, "switch", "-q", "main")
    assert result.exit_code == 1, result.stdout
    assert path in result.stderr
    assert tip(team.victim, RUNS) == before
