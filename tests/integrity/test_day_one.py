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
from pathlib import Path

import pytest

from tests.integrity.forge import forge_commit, push_forced, show
from tests.integrity.test_append_only import refused
from tests.integrity.test_audit_statement import (
    WARNING,
    _audited_commits,
    _bad_then_good,
    record_copy,
    stated,
)
from tests.support.core import CliResult, cli, git
from tests.support.integrity import Team, now_env, ok, run_paths, tip
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
    checked = cli_in(clone, "check", "--all")
    assert checked.exit_code == 0, checked
    assert "is not in this clone" not in checked.stderr  # the statement covers it


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

lines = [line.encode() for line in os.environ["GITML_TEST_INJECT"].split(";")]
into_deepening = os.environ["GITML_TEST_WHEN"] == "deepen"
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
    if deepen.is_set() == into_deepening and body == b"shallow-info\\n":
        for line in lines:
            out.write(b"%04x" % (len(line) + 5) + line + b"\\n")
    out.flush()
sys.exit(child.wait())
"""


def _lying_server(
    clone: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, inject: str, when: str
) -> None:
    """Serve ``clone``'s fetches through ``git upload-pack`` with ``inject`` (pkt-lines,
    ";"-separated) added to the shallow-info section of a deepening fetch's answer
    (``when="deepen"``) or of any other fetch's (``"plain"``)."""
    proxy = tmp_path / "upload-pack.py"
    proxy.write_text(PROXY)
    monkeypatch.setenv("GITML_TEST_INJECT", inject)
    monkeypatch.setenv("GITML_TEST_WHEN", when)
    git(clone, "config", "remote.origin.uploadpack", f"{sys.executable} {proxy}")


def _fresh_clone(team: Team, tmp_path: Path, signers: Path | None, name: str = "teammate") -> Path:
    clone = tmp_path / name
    git(tmp_path, "clone", "-q", team.remote.as_uri(), str(clone))
    if signers is not None:
        git(clone, "config", "gitml.index.signers", str(signers))
    return clone


def _edit_then_add(team: Team, base: str) -> tuple[str, str, str]:
    """On ``base``, a commit that edits a run in place, then one that adds a valid run, both
    dated now (so no id claims the future): (the edit, the new tip, the path edited)."""
    path = run_paths(team.attacker)[0]
    text = show(team.attacker, f"{RUNS}:{path}") + "# acc was 0.99\n"
    bad = forge_commit(team.attacker, base, add={path: text}, message="tidy", env=now_env())
    later = record_copy(team.attacker, run_paths(team.attacker)[1])
    good = forge_commit(team.attacker, bad, add=later, message="add a run", env=now_env())
    return bad, good, path


UNJUDGED = "was fetched without its parents"


def test_a_remote_that_marks_commits_shallow_unasked_is_refused(
    team: Team, stated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server that answers the first pull's shallow fetch with one more shallow commit,
    the one after the stated tip that edits a record: judged without its parent, the edit
    would pass as an addition (the statement no longer holds, and the whole history is
    that one commit). The pull is refused, and so is the next while the server lies; once
    it is honest again, the next pull starts from the stated tip and succeeds."""
    honest = tip(team.victim, RUNS)
    git(team.attacker, "fetch", "-q", "origin", "+refs/gitml/*:refs/gitml/*")
    bad, good, _path = _edit_then_add(team, honest)
    push_forced(team.attacker, good, RUNS)
    clone = _fresh_clone(team, tmp_path, stated)
    _lying_server(clone, tmp_path, monkeypatch, inject=f"shallow {bad}", when="deepen")
    result = cli_in(clone, "pull")
    assert result.exit_code == 1, result
    assert "marked 1 commit(s) shallow that were not asked for" in result.stderr
    assert bad[:12] in result.stderr
    assert tip(clone, RUNS) == ""
    again = cli_in(clone, "pull")
    assert again.exit_code == 1, again
    assert f"{bad[:12]} {UNJUDGED}" in again.stderr
    assert tip(clone, RUNS) == ""

    git(clone, "config", "--unset", "remote.origin.uploadpack")
    push_forced(team.attacker, honest, RUNS)
    recovered = cli_in(clone, "pull")
    assert recovered.exit_code == 0, recovered
    assert tip(clone, RUNS) == honest


def test_the_fetch_after_the_shallow_one_cannot_move_the_shallow_boundary(
    team: Team, stated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fetch that brings the runs history after the stated tip runs in a shallow
    clone, so git takes a shallow-info answer: ``unshallow <stated tip>`` and ``shallow
    <edit>`` make git write the edit into .git/shallow (after an unshallow line it takes
    shallow lines as its own depth's). Judged without its parent the edit would pass as an
    addition: the pull is refused, as it is without the statement."""
    stated_tip = tip(team.victim, RUNS)
    git(team.attacker, "fetch", "-q", "origin", "+refs/gitml/*:refs/gitml/*")
    bad, good, path = _edit_then_add(team, stated_tip)
    push_forced(team.attacker, good, RUNS)
    clone = _fresh_clone(team, tmp_path, stated)
    inject = f"unshallow {stated_tip};shallow {bad}"
    _lying_server(clone, tmp_path, monkeypatch, inject=inject, when="plain")
    result = cli_in(clone, "pull")
    assert result.exit_code == 1, result
    assert f"{bad[:12]} {UNJUDGED}" in result.stderr
    assert tip(clone, RUNS) == ""
    plain = cli_in(_fresh_clone(team, tmp_path, None, "plain"), "pull")
    assert plain.exit_code == 1
    refused(plain.stderr, bad, path)


@pytest.mark.parametrize("notes", ["refs/notes/gitml", "refs/notes/gitml-x"])
def test_a_notes_ref_naming_a_runs_commit_cannot_cut_the_history_the_audit_reads(
    team: Team, stated: Path, tmp_path: Path, notes: str
) -> None:
    """The remote points a notes ref at the runs commit after the stated tip that edits a
    record. The notes tip is fetched without its history, so that commit arrives shallow
    (or, for a notes ref gitml does not fetch that way, whole): either way the audit reads
    it and the pull is refused, as without the statement."""
    git(team.attacker, "fetch", "-q", "origin", "+refs/gitml/*:refs/gitml/*")
    bad, good, path = _edit_then_add(team, tip(team.attacker, RUNS))
    push_forced(team.attacker, good, RUNS)
    push_forced(team.attacker, bad, notes)
    result = cli_in(_fresh_clone(team, tmp_path, stated), "pull")
    assert result.exit_code == 1, result
    assert bad[:12] in result.stderr
    if notes == "refs/notes/gitml":
        assert UNJUDGED in result.stderr
    else:
        refused(result.stderr, bad, path)


def test_check_all_says_what_history_it_could_not_audit(
    team: Team, stated: Path, tmp_path: Path
) -> None:
    """After a first pull from the statement, the user stops trusting the signer: `check
    --all` audits what is here (every record of the stated commit checked) and warns that
    the history before that commit is not, naming it and how to fetch it."""
    stated_tip = tip(team.victim, RUNS)
    clone, _ = _first_pull(team, tmp_path, "teammate", stated)
    git(clone, "config", "--unset", "gitml.index.signers")
    result = cli_in(clone, "check", "--all")
    assert result.exit_code == 0, result
    assert f"the history before commit {stated_tip[:12]} is not in this clone" in result.stderr
    assert "git fetch --unshallow" in result.stderr


def test_a_push_the_remote_refuses_for_the_shallow_history_fails_at_once_saying_why(
    team: Team, stated: Path, tmp_path: Path
) -> None:
    """From a clone whose runs history starts at the stated tip, `git ml push` to a remote
    without that history (a new mirror) is refused by the receiver ("shallow update not
    allowed"), which no pull fixes: the push fails at once naming that reason, rather than
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
