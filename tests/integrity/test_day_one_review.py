"""Review of the day-one first pull: holes a hostile remote opens through the shallow
boundary, and commands that must keep working on it."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from tests.integrity.forge import forge_commit, push_forced, show
from tests.integrity.test_append_only import refused
from tests.integrity.test_audit_statement import record_copy, stated
from tests.integrity.test_day_one import cli_in
from tests.support.core import git
from tests.support.integrity import Team, now_env, run_paths, tip

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
