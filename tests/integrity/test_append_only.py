"""Collections are append-only across clones: a pull refuses history that loses or edits records.

Every attack is pushed to a real bare remote by an attacker's clone with plain git; the
victim's `git ml pull` must refuse it, name the commit and path, and change nothing local.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gitml.storage.collection import shard_of
from tests.integrity.forge import GITLINK, SYMLINK, blob, forge_commit, push_forced, show
from tests.support.core import cli, git
from tests.support.integrity import Team, ok, run_paths, tip
from tests.support.registry import record_run

RUNS = "refs/gitml/runs"


def refused(result_stderr: str, commit: str, path: str) -> None:
    assert commit[:12] in result_stderr, result_stderr
    assert path in result_stderr, result_stderr


def assert_pull_refused(team: Team, commit: str, path: str, what: str) -> str:
    before = {ref: tip(team.victim, ref) for ref in (RUNS, "refs/gitml/registry")}
    result = cli("pull")
    assert result.exit_code == 1, result
    assert result.stdout == ""
    refused(result.stderr, commit, path)
    assert what in result.stderr, result.stderr
    assert {ref: tip(team.victim, ref) for ref in before} == before
    assert len(run_paths(team.victim)) == len(team.runs)
    return result.stderr


def test_pull_refuses_a_commit_that_deletes_the_runs(team: Team) -> None:
    remote_tip = tip(team.attacker, RUNS)
    bad = forge_commit(team.attacker, remote_tip, remove=["runs"], message="clean up")
    push_forced(team.attacker, bad, RUNS)
    assert_pull_refused(team, bad, run_paths(team.victim)[0], "deletes")
    listing = cli("ls", "--all", "--limit", "0")
    assert listing.exit_code == 0, listing
    assert len(listing.stdout.splitlines()) == 13  # header + 12 runs
    assert ok("check", "--all") == ""


def test_push_does_not_spread_a_deletion_from_the_remote(team: Team) -> None:
    bad = forge_commit(team.attacker, tip(team.attacker, RUNS), remove=["runs"])
    push_forced(team.attacker, bad, RUNS)
    record_run(team.victim, metrics={"acc": 0.5})
    result = cli("push", "--no-data")
    assert result.exit_code == 1
    refused(result.stderr, bad, "runs/")
    assert tip(team.remote, RUNS) == bad
    assert len(run_paths(team.victim)) == 13


@pytest.mark.parametrize("diverged", [False, True], ids=["fast-forward", "three-way"])
def test_pull_refuses_a_record_edited_in_place(team: Team, diverged: bool) -> None:
    path = run_paths(team.attacker)[3]
    text = show(team.attacker, f"{RUNS}:{path}")
    edited = re.sub(r"acc = [0-9.]+", "acc = 0.999", text, count=1)
    assert edited != text
    bad = forge_commit(team.attacker, tip(team.attacker, RUNS), add={path: edited})
    push_forced(team.attacker, bad, RUNS)
    if diverged:
        record_run(team.victim, metrics={"acc": 0.5})
        team.runs.append("local")
    assert_pull_refused(team, bad, path, "changes")
    assert show(team.victim, f"{RUNS}:{path}") == text


def test_pull_refuses_a_deletion_hidden_in_a_merge_commit(team: Team) -> None:
    base = tip(team.attacker, RUNS)
    victim_record = run_paths(team.attacker)[5]
    side = forge_commit(team.attacker, base, message="unrelated")
    merge = forge_commit(
        team.attacker,
        base,
        remove=[victim_record],
        parents=[base, side],
        message="Merge origin/runs",
    )
    push_forced(team.attacker, merge, RUNS)
    assert_pull_refused(team, merge, victim_record, "deletes")


def test_pull_refuses_a_deletion_on_a_merged_side_line_even_when_undone(team: Team) -> None:
    """Every commit a merge brings is audited, not only the merge's own change: a side line
    that deletes a record and adds it back leaves the merge's tree whole."""
    base = tip(team.attacker, RUNS)
    victim_record = run_paths(team.attacker)[5]
    text = show(team.attacker, f"{RUNS}:{victim_record}")
    gone = forge_commit(team.attacker, base, remove=[victim_record], message="drop")
    back = forge_commit(team.attacker, gone, add={victim_record: text}, message="restore")
    merge = forge_commit(team.attacker, base, parents=[base, back], message="Merge side")
    push_forced(team.attacker, merge, RUNS)
    assert_pull_refused(team, gone, victim_record, "deletes")


def test_pull_refuses_a_merge_whose_first_parent_is_a_fresh_history(team: Team) -> None:
    base = tip(team.attacker, RUNS)
    orphan = forge_commit(
        team.attacker, None, add={"layout.toml": show(team.attacker, f"{RUNS}:layout.toml")}
    )
    merge = forge_commit(team.attacker, orphan, parents=[orphan, base], message="Merge")
    push_forced(team.attacker, merge, RUNS)
    assert_pull_refused(team, merge, run_paths(team.victim)[0], "deletes")


def test_pull_refuses_a_run_filed_outside_its_shard(team: Team) -> None:
    path = run_paths(team.attacker)[0]
    run_id = path.rsplit("/", 1)[1].removesuffix(".toml")
    wrong = next(f"{n:02x}" for n in range(256) if f"{n:02x}" != shard_of(run_id))
    text = re.sub(r"acc = [0-9.]+", "acc = 0.999", show(team.attacker, f"{RUNS}:{path}"))
    forged = f"runs/{wrong}/{run_id}.toml"
    bad = forge_commit(team.attacker, tip(team.attacker, RUNS), add={forged: text})
    push_forced(team.attacker, bad, RUNS)
    stderr = assert_pull_refused(team, bad, forged, "shard")
    assert f"runs/{shard_of(run_id)}/{run_id}.toml" in stderr
    listing = cli("ls", "--all", "--limit", "0", "--json")
    assert listing.exit_code == 0, listing
    assert listing.stdout.count(run_id) == 1


def test_pull_refuses_a_record_whose_id_differs_from_its_path(team: Team) -> None:
    path = run_paths(team.attacker)[0]
    other = run_paths(team.attacker)[1].rsplit("/", 1)[1].removesuffix(".toml")
    text = show(team.attacker, f"{RUNS}:{path}")
    own = path.rsplit("/", 1)[1].removesuffix(".toml")
    fake_id = own[:-4] + ("AAAA" if not own.endswith("AAAA") else "BBBB")
    forged = f"runs/{shard_of(fake_id)}/{fake_id}.toml"
    bad = forge_commit(
        team.attacker, tip(team.attacker, RUNS), add={forged: text.replace(own, other)}
    )
    push_forced(team.attacker, bad, RUNS)
    assert_pull_refused(team, bad, forged, f"says id = '{other}' but its path says '{fake_id}'")


@pytest.mark.parametrize(
    ("kind", "why"),
    [
        ("gitlink", "as a gitlink (submodule entry); records are regular files"),
        ("symlink", "as a symbolic link; records are regular files"),
        ("tree", "/inner.toml, which is not a path this collection uses"),
    ],
    ids=["gitlink", "symlink", "tree"],
)
def test_pull_refuses_entries_that_are_not_plain_files(team: Team, kind: str, why: str) -> None:
    run_id = "01KE0C9A1B2C3D4E5F6G7H8J9K"
    path = f"runs/{shard_of(run_id)}/{run_id}.toml"
    head = git(team.attacker, "rev-parse", "HEAD").strip()
    if kind == "gitlink":
        extra = {"entries": {path: (GITLINK, head)}}
    elif kind == "symlink":
        extra = {"entries": {path: (SYMLINK, blob(team.attacker, "../../../../etc/passwd"))}}
    else:
        extra = {"add": {f"{path}/inner.toml": "x = 1\n"}}
        path = f"{path}/inner.toml"
    bad = forge_commit(team.attacker, tip(team.attacker, RUNS), **extra)  # type: ignore[arg-type]
    push_forced(team.attacker, bad, RUNS)
    assert_pull_refused(team, bad, path.split("/inner")[0], why)


def test_check_all_reports_a_bad_history_already_in_local_refs(team: Team) -> None:
    bad = forge_commit(team.attacker, tip(team.attacker, RUNS), remove=["runs"])
    push_forced(team.attacker, bad, RUNS)
    git(team.victim, "fetch", "-q", "origin", "+refs/gitml/*:refs/gitml/*")
    result = cli("check", "--all")
    assert result.exit_code == 1
    refused(result.stderr, bad, run_paths(team.victim, f"{bad}^")[0])


def test_a_shallow_copy_of_the_records_cannot_pass_the_audit(
    team: Team, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Records fetched with ``--depth`` start at a commit the server chose, whose parents
    are not here: what it changed cannot be judged (a hostile server would cut the history
    at its edit), so `check --all` fails naming the commit and how to fetch the rest; the
    records still list."""
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{team.remote}", str(shallow))
    git(shallow, "fetch", "-q", "--depth", "1", "origin", "refs/gitml/*:refs/gitml/*")
    monkeypatch.chdir(shallow)
    result = cli("check", "--all")
    assert result.exit_code == 1
    boundary = git(shallow, "rev-parse", RUNS).strip()
    assert f"{boundary[:12]} was fetched without its parents" in result.stderr
    assert "git fetch --unshallow" in result.stderr
    assert len(cli("ls", "--all", "--limit", "0").stdout.splitlines()) == 13


def test_a_known_tip_of_another_layout_excuses_nothing(team: Team) -> None:
    """Runs filed one level deep with no ``layout.toml``, audited clean, then a commit that
    adds a four-level ``layout.toml``: the runs no longer fit it, and a known (audited) tip
    from before must not hide that (its files were judged by their own shape)."""
    from gitml.integrity.history import check_history
    from gitml.records import codec
    from gitml.storage.collection import DEEP, WIDE
    from gitml.storage.repo import open_repo

    runs = {
        f"runs/{WIDE.shard(_id(p))}/{_id(p)}.toml": show(team.attacker, f"{RUNS}:{p}")
        for p in run_paths(team.attacker)
    }
    before = forge_commit(team.attacker, None, add=runs)
    deep = codec.dump_bytes(DEEP.doc("runs"))
    after = forge_commit(team.attacker, before, add={"layout.toml": deep})
    repo = open_repo(team.attacker)

    assert check_history(repo, RUNS, before, skew_s=SKEW).problems == []
    whole = check_history(repo, RUNS, after, skew_s=SKEW).problems
    marked = check_history(repo, RUNS, after, [before], skew_s=SKEW).problems
    assert whole
    assert marked == whole


SKEW = 10.0**9  # the forged commits are dated before the runs; only layouts are judged here


def _id(path: str) -> str:
    return path.rsplit("/", 1)[1].removesuffix(".toml")


@pytest.mark.parametrize("layout", [b"not toml [[\n", b'schema = "gitml/layout/99"\n'])
def test_pull_refuses_a_layout_this_version_cannot_read(team: Team, layout: bytes) -> None:
    """A fetched runs commit whose ``layout.toml`` this gitml cannot read: the pull refuses
    it, naming the file, instead of judging each run by its own shape and leaving every
    reader to fail on it; nothing local changes."""
    bad = forge_commit(team.attacker, tip(team.attacker, RUNS), add={"layout.toml": layout})
    push_forced(team.attacker, bad, RUNS)
    before = tip(team.victim, RUNS)
    result = cli("pull")
    assert result.exit_code == 1, result
    assert "refusing the gitml records" in result.stderr
    assert f"{RUNS}:layout.toml" in result.stderr
    assert tip(team.victim, RUNS) == before
    assert ok("check", "--all") == ""
