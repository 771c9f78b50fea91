"""A clone's first pull starts the runs history at the tip a trusted audit statement names.

With ``gitml.index.signers`` set, a clone that has no runs yet fetches the stated runs
commit and the notes tip without their history (shallow commits), then the runs history
since: the records are all there, the history before the statement is not. Everything
after the stated tip is audited as on any pull; a statement the audit does not trust
after the fetch excuses nothing.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sys
import time
from pathlib import Path

import pytest

from tests.integrity.forge import forge_commit, push_forced, show
from tests.integrity.test_append_only import refused
from tests.integrity.test_audit_statement import (
    WARNING,
    _audited_commits,
    _bad_then_good,
    stated,
)
from tests.support.core import CliResult, cli, git
from tests.support.integrity import Team, ok, run_paths, tip
from tests.support.registry import record_run

pytestmark = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen")

__all__ = ["stated"]  # the fixture, used by name

RUNS = "refs/gitml/runs"


def _first_pull(team: Team, tmp_path: Path, name: str, signers: Path | None) -> tuple[Path, str]:
    """A teammate's fresh clone (through git's transport, as from a server), configured
    with ``signers`` when given, and the output of its first ``git ml pull``."""
    clone = tmp_path / name
    git(tmp_path, "clone", "-q", team.remote.as_uri(), str(clone))
    if signers is not None:
        git(clone, "config", "gitml.index.signers", str(signers))
    result = cli_in(clone, "pull")
    assert result.exit_code == 0, result.stderr
    return clone, result.stderr


def _shallow(repo: Path) -> set[str]:
    path = repo / ".git" / "shallow"
    return set(path.read_text().split()) if path.exists() else set()


def _ids(repo: Path) -> list[str]:
    return sorted(
        run["id"] for run in json.loads(ok_in(repo, "ls", "-a", "--limit", "0", "--json"))
    )


def cli_in(repo: Path, *args: str) -> CliResult:
    with contextlib.chdir(repo):
        return cli(*args)


def ok_in(repo: Path, *args: str) -> str:
    result = cli_in(repo, *args)
    assert result.exit_code == 0, f"git ml {' '.join(args)}: {result.stderr}"
    return result.stdout


def test_a_first_pull_starts_the_runs_history_at_the_stated_tip(
    team: Team, stated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the commits after the stated tip arrive and are audited; the clone lists and
    shows every run as the recorder does, notes included, records and pushes a run of its
    own that the recorder then pulls, and git finds the repository whole."""
    stated_tip = tip(team.victim, RUNS)
    for i in range(2):
        record_run(team.victim, metrics={"acc": 0.6 + i / 10}, name=f"late-{i}")
    ok("push", "--no-data")
    seen = _audited_commits(monkeypatch)

    clone, stderr = _first_pull(team, tmp_path, "teammate", stated)
    assert WARNING not in stderr
    assert seen[RUNS] == 2
    assert stated_tip in _shallow(clone)
    assert git(clone, "rev-list", "--count", RUNS).strip() == "3"
    assert int(git(team.victim, "rev-list", "--count", RUNS)) > 3
    assert tip(clone, RUNS) == tip(team.victim, RUNS)
    assert run_paths(clone) == run_paths(team.victim)
    assert _ids(clone) == _ids(team.victim)
    oldest = team.runs[0]
    assert ok_in(clone, "show", oldest) == ok_in(team.victim, "show", oldest)
    head = git(clone, "rev-parse", "HEAD").strip()
    assert oldest in git(clone, "log", "-1", "--notes=gitml", head)
    git(clone, "fsck", "--no-progress", "--connectivity-only")

    monkeypatch.chdir(clone)
    mine = record_run(clone, metrics={"acc": 0.95}, name="from-the-shallow-clone")
    assert oldest in git(clone, "log", "-1", "--notes=gitml", head)
    assert mine in git(clone, "log", "-1", "--notes=gitml", head)
    assert ok("push", "--no-data")
    assert ok_in(team.victim, "pull")
    assert mine in _ids(team.victim)
    assert ok_in(clone, "check", "--all") is not None


def test_without_trusted_signers_a_first_pull_fetches_the_whole_history(
    team: Team, stated: Path, tmp_path: Path
) -> None:
    clone, _ = _first_pull(team, tmp_path, "plain", None)
    assert _shallow(clone) == set()
    assert git(clone, "rev-list", "--count", RUNS) == git(team.victim, "rev-list", "--count", RUNS)


def test_a_line_forked_before_the_stated_tip_arrives_whole_and_is_audited(
    team: Team, stated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A teammate recorded on top of an older state than the statement's, then merged and
    pushed: git sends that line with the history it forked from, which is audited as on
    any pull, and the first pull agrees with the recorder."""
    monkeypatch.chdir(team.attacker)  # here an honest teammate with an older copy
    git(team.attacker, "update-ref", RUNS, f"{RUNS}~4")
    record_run(team.attacker, metrics={"acc": 0.7}, name="offline")
    assert ok("push", "--no-data")
    assert ok_in(team.victim, "pull")
    clone, stderr = _first_pull(team, tmp_path, "teammate", stated)
    assert WARNING not in stderr
    assert _ids(clone) == _ids(team.victim)
    assert "offline" in ok_in(clone, "ls", "-a")


def test_a_rewrite_after_the_stated_tip_is_refused_by_a_first_pull(
    team: Team, stated: Path, tmp_path: Path
) -> None:
    """A commit after the stated tip that edits a record: the first pull refuses it, names
    commit and path, and leaves no runs ref."""
    git(team.attacker, "fetch", "-q", "origin", "+refs/gitml/*:refs/gitml/*")
    bad, good, path = _bad_then_good(team, tip(team.attacker, RUNS))
    push_forced(team.attacker, good, RUNS)
    clone = tmp_path / "teammate"
    git(tmp_path, "clone", "-q", team.remote.as_uri(), str(clone))
    git(clone, "config", "gitml.index.signers", str(stated))
    result = cli_in(clone, "pull")
    assert result.exit_code == 1
    refused(result.stderr, bad, path)
    assert tip(clone, RUNS) == ""


def test_a_history_rewritten_below_the_stated_tip_is_audited_whole(
    team: Team, stated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The runs history was rewritten below the trusted statement's tip (an early record
    edited, the rest replayed): the stated commit is fetched, but it is not in the history
    that arrives, so one warning, and the whole history is audited and refused."""
    git(team.attacker, "fetch", "-q", "origin", "+refs/gitml/*:refs/gitml/*")
    early = git(team.attacker, "rev-list", "--reverse", RUNS).split()[3]
    bad, good, _path = _bad_then_good(team, early)
    push_forced(team.attacker, good, RUNS)
    seen = _audited_commits(monkeypatch)
    clone = tmp_path / "teammate"
    git(tmp_path, "clone", "-q", team.remote.as_uri(), str(clone))
    git(clone, "config", "gitml.index.signers", str(stated))
    result = cli_in(clone, "pull")
    assert result.exit_code == 1
    assert bad[:12] in result.stderr, result.stderr
    assert result.stderr.count(WARNING) == 1
    assert "is not in the history of" in result.stderr
    assert seen[RUNS] >= 5
    assert tip(clone, RUNS) == ""


PROXY = """
import os, subprocess, sys, threading

extra = os.environ["GITML_TEST_SHALLOW"].encode()
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
    if deepen.is_set() and body == b"shallow-info\\n":
        line = b"shallow " + extra + b"\\n"
        out.write(b"%04x" % (len(line) + 4) + line)
    out.flush()
sys.exit(child.wait())
"""


def test_a_remote_that_marks_commits_shallow_unasked_is_refused(
    team: Team, stated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server that answers the first pull's shallow fetch with one more shallow commit,
    the one after the stated tip that edits a record: judged without its parent, the edit
    would pass as an addition (the statement no longer holds, and the whole history is
    that one commit). The pull is refused, and git's list of shallow commits loses the
    commit it was not asked for."""
    git(team.attacker, "fetch", "-q", "origin", "+refs/gitml/*:refs/gitml/*")
    path = run_paths(team.attacker)[0]
    text = show(team.attacker, f"{RUNS}:{path}") + "# acc was 0.99\n"
    now = f"@{int(time.time())} +0000"
    dated = {"GIT_AUTHOR_DATE": now, "GIT_COMMITTER_DATE": now}
    bad = forge_commit(team.attacker, tip(team.attacker, RUNS), add={path: text}, env=dated)
    push_forced(team.attacker, bad, RUNS)
    proxy = tmp_path / "upload-pack.py"
    proxy.write_text(PROXY)
    monkeypatch.setenv("GITML_TEST_SHALLOW", bad)
    clone = tmp_path / "teammate"
    git(tmp_path, "clone", "-q", team.remote.as_uri(), str(clone))
    git(clone, "config", "gitml.index.signers", str(stated))
    git(clone, "config", "remote.origin.uploadpack", f"{sys.executable} {proxy}")
    result = cli_in(clone, "pull")
    assert result.exit_code == 1, result
    assert "marked 1 commit(s) shallow that were not asked for" in result.stderr
    assert bad[:12] in result.stderr
    assert bad not in _shallow(clone)
    assert tip(clone, RUNS) == ""
