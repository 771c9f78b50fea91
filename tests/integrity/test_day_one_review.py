"""Review of the day-one first pull: holes a hostile remote opens through the shallow
boundary, and commands that must keep working on it."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from tests.integrity.forge import forge_commit, push_forced, show
from tests.integrity.test_append_only import refused
from tests.integrity.test_audit_statement import _key, _sign_with, _signers, record_copy, stated
from tests.integrity.test_day_one import _first_pull, cli_in, ok_in
from tests.support.core import git
from tests.support.integrity import Team, now_env, ok, run_paths, tip
from tests.support.registry import record_run

pytestmark = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen")

__all__ = ["stated"]  # the fixture, used by name

RUNS = "refs/gitml/runs"


def _fresh_clone(team: Team, tmp_path: Path, signers: Path | None, name: str = "teammate") -> Path:
    clone = tmp_path / name
    git(tmp_path, "clone", "-q", team.remote.as_uri(), str(clone))
    if signers is not None:
        git(clone, "config", "gitml.index.signers", str(signers))
    return clone


def _bad_then_good(team: Team, base: str) -> tuple[str, str, str]:
    """On ``base``, a commit that edits a run in place, then one that adds a valid run, both
    dated now (so ids do not claim the future): (the bad commit, the new tip, the path)."""
    path = run_paths(team.attacker)[0]
    text = show(team.attacker, f"{RUNS}:{path}") + "# acc was 0.99\n"
    bad = forge_commit(team.attacker, base, add={path: text}, message="tidy", env=now_env())
    later = record_copy(team.attacker, run_paths(team.attacker)[1])
    good = forge_commit(team.attacker, bad, add=later, message="add a run", env=now_env())
    return bad, good, path


def test_a_notes_ref_naming_a_runs_commit_cannot_cut_the_history_the_audit_reads(
    team: Team, stated: Path, tmp_path: Path
) -> None:
    """The remote adds a notes ref (``refs/notes/gitml-x``, which the notes pattern
    fetches) at the runs commit after the stated tip that edits a record: the depth fetch
    makes that commit shallow as "asked for", and the audit would judge it without its
    parent, its edit passing as an addition. The pull must be refused as without the
    statement."""
    git(team.attacker, "fetch", "-q", "origin", "+refs/gitml/*:refs/gitml/*")
    bad, good, path = _bad_then_good(team, tip(team.attacker, RUNS))
    push_forced(team.attacker, good, RUNS)
    push_forced(team.attacker, bad, "refs/notes/gitml-x")

    plain = cli_in(_fresh_clone(team, tmp_path, None, "plain"), "pull")
    assert plain.exit_code == 1
    refused(plain.stderr, bad, path)

    clone = _fresh_clone(team, tmp_path, stated)
    result = cli_in(clone, "pull")
    assert result.exit_code == 1, result
    assert f"reaching {bad[:12]}, a commit fetched without its parents" in result.stderr
    assert tip(clone, RUNS) == ""


PROXY = """
import os, subprocess, sys, threading

lines = [line.encode() for line in os.environ["GITML_TEST_INJECT"].split(";")]
child = subprocess.Popen(
    ["git", "upload-pack", *sys.argv[1:]], stdin=subprocess.PIPE, stdout=subprocess.PIPE
)
deepen = threading.Event()


def pump():
    while chunk := os.read(0, 65536):
        if b"deepen " in chunk:
            deepen.set()
        child.stdin.write(chunk)
        child.stdin.flush()
    child.stdin.close()


threading.Thread(target=pump, daemon=True).start()
out, src = sys.stdout.buffer, child.stdout
while len(head := src.read(4)) == 4:
    size = int(head, 16)
    body = src.read(size - 4) if size > 4 else b""
    out.write(head + body)
    if not deepen.is_set() and body == b"shallow-info\\n":
        for line in lines:
            out.write(b"%04x" % (len(line) + 5) + line + b"\\n")
    out.flush()
sys.exit(child.wait())
"""


def test_the_fetch_after_the_shallow_one_cannot_move_the_shallow_boundary(
    team: Team, stated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fetch that brings the runs history after the stated tip runs in a shallow
    repository, so git sends its shallow commits and takes a `shallow-info` answer: a
    server that answers ``unshallow <stated tip>`` and ``shallow <edit>`` makes git write
    the edit into .git/shallow (an unshallow line makes git take shallow lines as its own
    depth's). Judged without its parent the edit would pass as an addition: the pull must
    be refused as without the statement."""
    stated_tip = tip(team.victim, RUNS)
    git(team.attacker, "fetch", "-q", "origin", "+refs/gitml/*:refs/gitml/*")
    bad, good, path = _bad_then_good(team, stated_tip)
    push_forced(team.attacker, good, RUNS)
    proxy = tmp_path / "upload-pack.py"
    proxy.write_text(PROXY)
    monkeypatch.setenv("GITML_TEST_INJECT", f"unshallow {stated_tip};shallow {bad}")
    clone = _fresh_clone(team, tmp_path, stated)
    git(clone, "config", "remote.origin.uploadpack", f"{sys.executable} {proxy}")
    result = cli_in(clone, "pull")
    assert result.exit_code == 1, result
    assert f"reaching {bad[:12]}, a commit fetched without its parents" in result.stderr
    assert tip(clone, RUNS) == ""
    again = cli_in(clone, "pull")
    assert again.exit_code == 1, again
    assert tip(clone, RUNS) == ""
    plain = cli_in(_fresh_clone(team, tmp_path, None, "plain"), "pull")
    assert plain.exit_code == 1
    refused(plain.stderr, bad, path)


def test_a_first_pull_refused_for_unasked_shallow_commits_recovers_once_the_remote_does(
    team: Team, stated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stated tip stays shallow after a refused first pull (its remote-tracking ref
    too, so the next pull is not a first one): once the remote is honest again, the next
    pull starts from it and succeeds."""
    from tests.integrity.test_day_one import PROXY as MARKS

    honest = tip(team.victim, RUNS)
    git(team.attacker, "fetch", "-q", "origin", "+refs/gitml/*:refs/gitml/*")
    bad, good, _path = _bad_then_good(team, honest)
    push_forced(team.attacker, good, RUNS)
    proxy = tmp_path / "marks.py"
    proxy.write_text(MARKS)
    monkeypatch.setenv("GITML_TEST_SHALLOW", bad)
    clone = _fresh_clone(team, tmp_path, stated)
    git(clone, "config", "remote.origin.uploadpack", f"{sys.executable} {proxy}")
    assert cli_in(clone, "pull").exit_code == 1
    git(clone, "config", "--unset", "remote.origin.uploadpack")
    push_forced(team.attacker, honest, RUNS)
    result = cli_in(clone, "pull")
    assert result.exit_code == 0, result
    assert tip(clone, RUNS) == honest


def test_the_latest_run_of_a_name_before_the_stated_tip_is_the_full_clones_when_parsed(
    team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two runs of one name before the stated tip, the newer in commit order holding the
    older id (recorded first, pulled into the other line later). A day-one clone that
    parses its records rather than loading the snapshot (signers unset, a snapshot of
    another gitml version, an index of a new schema after an upgrade) sees both added by
    the shallow stated tip and cannot tell commit order: `show NAME` (and `rerun NAME`)
    must still name the run every full clone names."""
    monkeypatch.chdir(team.victim)
    first = record_run(team.victim, metrics={"acc": 0.2}, name="dup")
    monkeypatch.chdir(team.attacker)  # an honest teammate, offline for a while
    record_run(team.attacker, metrics={"acc": 0.1}, name="dup")
    monkeypatch.chdir(team.victim)
    ok("push", "--no-data")
    monkeypatch.chdir(team.attacker)
    ok("push", "--no-data")
    monkeypatch.chdir(team.victim)
    ok("pull")
    key = _key(tmp_path, "ci")
    signers = _signers(tmp_path, key)
    _sign_with(team.victim, key)
    ok("index", "publish")
    ok("push", "--no-data")
    full, _ = _first_pull(team, tmp_path, "full", None)
    day, _ = _first_pull(team, tmp_path, "day", signers)
    assert first in ok_in(full, "show", "dup").splitlines()[0]
    assert first in ok_in(day, "show", "dup").splitlines()[0]
    git(day, "config", "--unset", "gitml.index.signers")
    for index in (day / ".git" / "gitml").glob("index-*"):
        index.unlink()
    assert first in ok_in(day, "show", "dup").splitlines()[0]


def test_check_all_without_the_statement_trusted_does_not_pass_a_history_it_lacks(
    team: Team, stated: Path, tmp_path: Path
) -> None:
    """After a first pull from the statement, the user stops trusting the signer
    (``gitml.index.signers`` unset): `check --all` then audits "the whole history", but
    the history before the stated tip is not here. Reporting it clean is an audit that did
    not happen: it must say what it could not read (the shallow commit) or fail."""
    stated_tip = tip(team.victim, RUNS)
    clone, _ = _first_pull(team, tmp_path, "teammate", stated)
    git(clone, "config", "--unset", "gitml.index.signers")
    result = cli_in(clone, "check", "--all")
    assert result.exit_code != 0 or stated_tip[:12] in result.stderr, result


def test_a_push_the_remote_refuses_for_the_shallow_history_fails_at_once_saying_why(
    team: Team, stated: Path, tmp_path: Path
) -> None:
    """From a clone whose runs history starts at the stated tip, `git ml push` to a remote
    without that history (a new mirror) is refused by the receiver ("shallow update not
    allowed"), which no pull fixes: the push must fail at once naming that reason, not
    retry until the deadline and blame others for pushing."""
    clone, _ = _first_pull(team, tmp_path, "teammate", stated)
    mirror = tmp_path / "mirror.git"
    git(tmp_path, "init", "-q", "--bare", str(mirror))
    git(clone, "remote", "add", "mirror", str(mirror))
    git(clone, "push", "-q", "mirror", "HEAD:refs/heads/main")
    config = clone / ".gitml" / "config.toml"
    config.write_text(config.read_text() + "\n[sync]\npush_deadline_seconds = 5\n")
    result = cli_in(clone, "push", "mirror", "--no-data")
    assert result.exit_code == 1, result
    assert "shallow update not allowed" in result.stderr, result.stderr
    assert "others kept pushing" not in result.stderr
