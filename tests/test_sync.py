"""Sharing records through a real remote: file:// and git daemon on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gitml.errors import GitmlError, MergeConflict
from gitml.records import codec, ids
from gitml.storage import NOTES_REF, RUNS_REF
from gitml.storage.collection import Collection
from gitml.storage.notes import add_note_lines, read_note
from gitml.storage.repo import open_repo
from gitml.sync import pull, push_records
from tests.support.core import cli, git

WRITER = """
import sys
from pathlib import Path
from gitml.storage.repo import open_repo
from gitml.sync import push_records
from tests.test_sync import put_runs
put_runs(Path(sys.argv[1]), int(sys.argv[2]))
push_records(open_repo(sys.argv[1]), "origin")
"""
SAMPLE_RUN = Path(__file__).parent / "records" / "samples" / "run.toml"


def run_record(rid: str, n: int) -> bytes:
    """A valid run record (the schema sample) with its own id."""
    doc = codec.loads(SAMPLE_RUN.read_bytes(), where=str(SAMPLE_RUN))
    doc["id"], doc["metrics"] = rid, {"n": n}
    return codec.dump_bytes(doc)


def clone(remote_url: str, path: Path) -> Path:
    git(path.parent, "clone", "-q", remote_url, str(path))
    return path


def record_paths(repo: Path, ref: str = RUNS_REF) -> list[str]:
    out = git(repo, "ls-tree", "-r", "--name-only", ref, check=False)
    return [p for p in out.splitlines() if p.startswith("runs/")]


def put_runs(repo: Path, n: int) -> list[str]:
    runs = Collection(open_repo(repo), RUNS_REF, "runs")
    paths = []
    for i in range(n):
        rid = ids.new_id()
        path = runs.record_path(rid)
        runs.put(path, run_record(rid, i), f"run {rid}")
        paths.append(path)
    return paths


def test_two_clones_merge_into_the_union(seeded_remote: Path, tmp_path: Path) -> None:
    a = clone(f"file://{seeded_remote}", tmp_path / "a")
    b = clone(f"file://{seeded_remote}", tmp_path / "b")
    mine = put_runs(a, 30)
    theirs = put_runs(b, 30)
    push_records(open_repo(a), "origin")
    report = push_records(open_repo(b), "origin")
    assert report.attempts == 2
    pull(open_repo(a), "origin")
    for clone_path in (a, b):
        assert sorted(record_paths(clone_path)) == sorted(mine + theirs)
        assert git(clone_path, "fsck", "--strict", "--no-dangling").strip() == ""
    assert git(seeded_remote, "rev-parse", RUNS_REF) == git(a, "rev-parse", RUNS_REF)


def test_pull_reports_counts_and_is_idempotent(seeded_remote: Path, tmp_path: Path) -> None:
    a = clone(str(seeded_remote), tmp_path / "a")
    b = clone(str(seeded_remote), tmp_path / "b")
    put_runs(a, 5)
    push_records(open_repo(a), "origin")
    report = pull(open_repo(b), "origin")
    assert report.added["runs"] == 6  # five records and layout.toml
    again = pull(open_repo(b), "origin")
    assert {r.outcome for r in again.results} == {"up-to-date"}


def test_conflicting_record_stops_pull_and_changes_nothing(
    seeded_remote: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = clone(str(seeded_remote), tmp_path / "a")
    b = clone(str(seeded_remote), tmp_path / "b")
    put_runs(a, 1)
    put_runs(b, 1)
    rid = ids.new_id()
    path = Collection(open_repo(a), RUNS_REF, "runs").record_path(rid)
    Collection(open_repo(a), RUNS_REF, "runs").put(path, run_record(rid, 1), "a")
    Collection(open_repo(b), RUNS_REF, "runs").put(path, run_record(rid, 2), "b")
    push_records(open_repo(a), "origin")
    before = git(b, "rev-parse", RUNS_REF)
    with pytest.raises(MergeConflict) as info:
        pull(open_repo(b), "origin")
    message = str(info.value)
    assert path in message
    assert "refs/remotes/origin/gitml/runs" in message
    assert git(b, "rev-parse", RUNS_REF) == before
    monkeypatch.chdir(b)
    result = cli("pull")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert f"{path} differs between local" in result.stderr
    assert git(b, "rev-parse", RUNS_REF) == before


def test_notes_merge_as_a_union_of_lines(seeded_remote: Path, tmp_path: Path) -> None:
    a = clone(str(seeded_remote), tmp_path / "a")
    b = clone(str(seeded_remote), tmp_path / "b")
    head = git(a, "rev-parse", "HEAD").strip()
    add_note_lines(open_repo(a), {head: ['A = { name = "a" }']}, "note a")
    add_note_lines(open_repo(b), {head: ['B = { name = "b" }']}, "note b")
    push_records(open_repo(a), "origin")
    push_records(open_repo(b), "origin")
    assert read_note(open_repo(b), head) == 'A = { name = "a" }\nB = { name = "b" }\n'
    assert (
        git(b, "notes", "--ref=gitml", "show", head) == 'A = { name = "a" }\nB = { name = "b" }\n'
    )
    pull(open_repo(a), "origin")
    assert git(a, "log", "-1", "--format=%N", "--notes=gitml", head).strip().splitlines() == [
        'A = { name = "a" }',
        'B = { name = "b" }',
    ]
    assert git(seeded_remote, "rev-parse", NOTES_REF) == git(b, "rev-parse", NOTES_REF)


def test_concurrent_pushes_from_four_clones_lose_nothing(
    seeded_remote: Path, tmp_path: Path
) -> None:
    clones = [clone(f"file://{seeded_remote}", tmp_path / f"c{i}") for i in range(4)]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(c), "25"], env=env, stderr=subprocess.PIPE, text=True
        )
        for c in clones
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
    for c in clones:
        pull(open_repo(c), "origin")
        assert len(record_paths(c)) == 100
    tips = {git(c, "rev-parse", RUNS_REF) for c in clones}
    assert len(tips) == 1


def test_push_and_pull_over_git_daemon(
    daemon: tuple[str, subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    url, _ = daemon
    a = clone(url, tmp_path / "a")
    b = clone(url, tmp_path / "b")
    mine = put_runs(a, 10)
    push_records(open_repo(a), "origin")
    theirs = put_runs(b, 10)
    push_records(open_repo(b), "origin")
    pull(open_repo(a), "origin")
    assert sorted(record_paths(a)) == sorted(mine + theirs) == sorted(record_paths(b))


def test_push_to_dead_remote_fails_clearly_then_succeeds(
    daemon: tuple[str, subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    url, proc = daemon
    a = clone(url, tmp_path / "a")
    paths = put_runs(a, 3)
    proc.terminate()
    proc.wait(timeout=10)
    with pytest.raises(GitmlError, match="origin"):
        push_records(open_repo(a), "origin")
    assert sorted(record_paths(a)) == sorted(paths)
    git(a, "remote", "set-url", "origin", str(tmp_path / "remote.git"))
    push_records(open_repo(a), "origin")
    assert sorted(record_paths(tmp_path / "remote.git")) == sorted(paths)


def test_unknown_remote_is_a_clear_error(in_repo: Path) -> None:
    result = cli("pull", "nowhere")
    assert result.exit_code == 1
    assert (
        result.stderr
        == "error: no git remote named 'nowhere' (remotes: none); add one with `git remote add`\n"
    )


def test_fetch_ci_unshallows_and_brings_records(
    seeded_remote: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = clone(str(seeded_remote), tmp_path / "a")
    (a / "more").write_text("x")
    git(a, "add", "more")
    git(a, "commit", "-q", "-m", "more")
    git(a, "push", "-q", "origin", "HEAD:refs/heads/main")
    paths = put_runs(a, 3)
    push_records(open_repo(a), "origin")
    ci = tmp_path / "ci"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{seeded_remote}", str(ci))
    assert git(ci, "rev-parse", "--is-shallow-repository").strip() == "true"
    monkeypatch.chdir(ci)
    result = cli("fetch", "--ci", "--json")
    assert result.exit_code == 0, result.stderr
    assert '"unshallowed": true' in result.stdout
    assert git(ci, "rev-parse", "--is-shallow-repository").strip() == "false"
    assert sorted(record_paths(ci)) == sorted(paths)
