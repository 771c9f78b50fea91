"""Run lines in refs/notes/gitml: one notes commit for everything recorded since the last."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

import gitml
from gitml.runs import notes, save
from gitml.runs.notes import deferred_notes, note_runs
from gitml.runs.record import note_line
from gitml.runs.save import save_run
from gitml.storage import NOTES_REF, RUNS_REF
from gitml.storage.notes import add_note_lines
from gitml.storage.repo import open_repo
from gitml.sync import pull, push_records
from tests.storage.helpers import FORK, assert_fsck_clean, run_workers
from tests.support.core import git
from tests.support.runs import git_ml, make_project, setup_ml_env


def record(repo: Path, metric: float = 0.5) -> dict[str, Any]:
    with gitml.start_run(path=repo) as run:
        gitml.log_metric("acc", metric)
    assert run.doc is not None
    return run.doc  # type: ignore[no-any-return]


def notes_commits(repo: Path) -> int:
    return int(git(repo, "rev-list", "--count", NOTES_REF, check=False).strip() or 0)


def shown(repo: Path, rev: str = "HEAD") -> list[str]:
    """The note lines ``git log --notes=gitml`` prints for ``rev``."""
    out = git(repo, "log", "-1", "--notes=gitml", "--format=%N", rev)
    return [line for line in out.splitlines() if line.strip()]


def test_a_run_is_in_git_log_when_it_returns(repo_with_commit: Path) -> None:
    doc = record(repo_with_commit)
    assert shown(repo_with_commit) == [note_line(doc)]
    runs_tip = git(repo_with_commit, "rev-parse", RUNS_REF).strip()
    message = git(repo_with_commit, "log", "-1", "--format=%B", NOTES_REF)
    assert f"Gitml-Runs: {runs_tip}" in message
    second = record(repo_with_commit, 0.75)
    assert shown(repo_with_commit) == sorted([note_line(doc), note_line(second)])
    assert notes_commits(repo_with_commit) == 2
    assert_fsck_clean(repo_with_commit)


def test_bulk_work_notes_every_run_in_one_commit(repo_with_commit: Path) -> None:
    repo = open_repo(repo_with_commit)
    with deferred_notes(repo):
        docs = [record(repo_with_commit, n / 10) for n in range(6)]
        assert notes_commits(repo_with_commit) == 0  # not yet: the work is still going
    assert shown(repo_with_commit) == sorted(note_line(d) for d in docs)
    assert notes_commits(repo_with_commit) == 1
    note_runs(repo)  # nothing new: no commit
    assert notes_commits(repo_with_commit) == 1
    assert_fsck_clean(repo_with_commit)


def test_bulk_work_that_fails_still_notes_what_it_recorded(repo_with_commit: Path) -> None:
    repo = open_repo(repo_with_commit)
    recorded: list[dict[str, Any]] = []

    def sweep() -> None:
        with deferred_notes(repo):
            recorded.append(record(repo_with_commit))
            raise RuntimeError("the sweep broke")

    with pytest.raises(RuntimeError):
        sweep()
    assert shown(repo_with_commit) == [note_line(recorded[0])]


def test_bulk_work_that_fails_keeps_its_own_error_when_its_notes_fail_too(
    repo_with_commit: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise OSError("no space left on device")

    monkeypatch.setattr(notes, "note_runs", broken)
    repo = open_repo(repo_with_commit)
    with pytest.raises(RuntimeError, match="the sweep broke"), deferred_notes(repo):
        raise RuntimeError("the sweep broke")
    # Work that succeeded still hears of a failure that is no GitmlError.
    with pytest.raises(OSError, match="no space"), deferred_notes(repo):
        pass


def test_long_bulk_work_notes_as_it_goes(
    repo_with_commit: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notes, "DEFERRED_NOTES_S", 0.0)
    repo = open_repo(repo_with_commit)
    with deferred_notes(repo):
        first = record(repo_with_commit)
        assert shown(repo_with_commit) == [note_line(first)]


def test_runs_left_without_notes_are_noted_by_the_next_run(
    repo_with_commit: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As bulk work killed before its notes leaves them.
    monkeypatch.setattr(save, "note_with", lambda *_args: None)
    missed = [record(repo_with_commit, n / 10) for n in range(3)]
    assert notes_commits(repo_with_commit) == 0
    monkeypatch.undo()
    last = record(repo_with_commit)
    assert shown(repo_with_commit) == sorted(note_line(d) for d in [*missed, last])
    assert notes_commits(repo_with_commit) == 1


def test_notes_without_a_coverage_trailer_keep_their_lines(repo_with_commit: Path) -> None:
    """Notes an older gitml (a note per run, no trailer) or git itself wrote."""
    repo = open_repo(repo_with_commit)
    head = git(repo_with_commit, "rev-parse", "HEAD").strip()
    git(repo_with_commit, "notes", "--ref=gitml", "add", "-m", 'BYGIT = { by = "git" }', head)
    add_note_lines(repo, {head: ['OLD = { by = "gitml" }']}, "gitml note run OLD")
    doc = record(repo_with_commit)
    assert shown(repo_with_commit) == sorted(
        ['BYGIT = { by = "git" }', 'OLD = { by = "gitml" }', note_line(doc)]
    )


def test_a_run_whose_code_commit_is_not_here_gets_no_line(repo_with_commit: Path) -> None:
    doc = record(repo_with_commit)
    imported = {**doc, "id": "01ARZ3NDEKTSV4RRFFQ69G5FAV", "name": "imported"}
    imported["code"] = {**doc["code"], "commit": "1" * 40, "checkpoint": "1" * 40}
    save_run(open_repo(repo_with_commit), imported, link_checkpoint=False)
    assert notes_commits(repo_with_commit) == 1
    assert git(repo_with_commit, "notes", "--ref=gitml", "list").count("\n") == 1


def test_bulk_notes_stop_at_the_cap_with_the_more_line(
    repo_with_commit: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notes, "MAX_NOTE_RUNS", 2)
    with deferred_notes(open_repo(repo_with_commit)):
        for n in range(5):
            record(repo_with_commit, n / 10)
    lines = shown(repo_with_commit)
    assert len(lines) == 3
    assert sum(line.startswith("more = ") for line in lines) == 1
    assert notes_commits(repo_with_commit) == 1


def test_a_sweep_writes_one_notes_commit(
    repo_with_commit: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup_ml_env(tmp_path, monkeypatch)
    project = make_project(repo_with_commit)
    before = notes_commits(project)
    git_ml(project, "run", "-S", "train.lr=0.1,0.2,0.3,0.4", "--", sys.executable, "-c", "pass")
    assert notes_commits(project) == before + 1
    assert len(shown(project)) == 4
    assert_fsck_clean(project)


def _records(path: Path, bulk: bool, count: int, barrier: Any) -> None:
    repo = open_repo(path)
    barrier.wait()
    if bulk:
        with deferred_notes(repo):
            for n in range(count):
                record(path, n / 100)
    else:
        for n in range(count):
            record(path, n / 100)


def test_concurrent_writers_bulk_and_single_lose_no_line(repo_with_commit: Path) -> None:
    barrier = FORK.Barrier(2)
    run_workers(
        _records, [(repo_with_commit, bulk, 12, barrier) for bulk in (True, False)], timeout=180
    )
    lines = shown(repo_with_commit)
    assert len(lines) == 24
    assert len(git(repo_with_commit, "ls-tree", "-r", "--name-only", RUNS_REF).split()) >= 24
    assert_fsck_clean(repo_with_commit)


def test_runs_of_two_clones_are_noted_once_after_a_pull(
    seeded_remote: Path, tmp_path: Path
) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    for path in (a, b):
        git(tmp_path, "clone", "-q", f"file://{seeded_remote}", str(path))
    theirs = [record(a, 0.1), record(a, 0.2)]
    push_records(open_repo(a), "origin")
    mine = record(b, 0.3)
    pull(open_repo(b), "origin")
    last = record(b, 0.4)
    expected = sorted(note_line(d) for d in [*theirs, mine, last])
    assert shown(b) == expected
    push_records(open_repo(b), "origin")
    pull(open_repo(a), "origin")
    assert shown(a) == expected
    for path in (a, b):
        assert_fsck_clean(path)


def test_notes_deleted_are_rebuilt_from_the_runs(repo_with_commit: Path) -> None:
    docs = [record(repo_with_commit, n / 10) for n in range(3)]
    git(repo_with_commit, "update-ref", "-d", NOTES_REF)
    note_runs(open_repo(repo_with_commit))
    assert shown(repo_with_commit) == sorted(note_line(d) for d in docs)
    assert notes_commits(repo_with_commit) == 1


@pytest.mark.parametrize("stated", ["blob", "missing", "code commit"])
def test_a_forged_coverage_statement_costs_lines_at_most_never_a_run(
    repo_with_commit: Path, stated: str
) -> None:
    """Notes arrive from other clones: a ``Gitml-Runs`` trailer naming a blob, a commit this
    repository lacks or a commit that is not a runs commit is not believed past what it can
    cost (lines in ``git log``); the next run is recorded and noted as usual."""
    first = record(repo_with_commit)
    named = {
        "blob": git(repo_with_commit, "rev-parse", "HEAD:README.md").strip(),
        "missing": "0123456789abcdef0123456789abcdef01234567",
        "code commit": git(repo_with_commit, "rev-parse", "HEAD").strip(),
    }[stated]
    tree = git(repo_with_commit, "rev-parse", f"{NOTES_REF}^{{tree}}").strip()
    parent = git(repo_with_commit, "rev-parse", NOTES_REF).strip()
    message = f"forged\n\nGitml-Runs: {named}\n"
    forged = git(repo_with_commit, "commit-tree", tree, "-p", parent, "-m", message).strip()
    git(repo_with_commit, "update-ref", NOTES_REF, forged, parent)

    second = record(repo_with_commit, 0.75)

    assert shown(repo_with_commit) == sorted([note_line(first), note_line(second)])
    assert git(repo_with_commit, "rev-parse", f"{NOTES_REF}^").strip() == forged
    assert_fsck_clean(repo_with_commit)
