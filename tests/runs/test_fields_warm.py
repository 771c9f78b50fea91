"""The ``fields`` table filled in the background after a listing grew the index answers
every query as a fill by the query itself does; and what a listing that finds nothing on
its branch says about the other branches, counted no further than it needs."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitml.cli import _runs_view
from gitml.runs import store
from gitml.runs.store import list_runs
from gitml.storage import fields_warm, housekeeping
from gitml.storage import index as index_module
from gitml.storage.filelock import exclusive
from gitml.storage.index import Index
from gitml.storage.repo import open_repo
from tests.runs.test_query_answers import WHERE, _store
from tests.runs.test_store import record
from tests.support.core import cli, git


@pytest.fixture
def reaped() -> Iterator[None]:
    """Every detached step this test starts has ended when it ends."""
    yield
    for proc in housekeeping._started:
        proc.wait(timeout=60)
    housekeeping._reap()


def _answers(repo: Path) -> list[list[str]]:
    handle = open_repo(repo)
    return [
        [str(doc["id"]) for doc in list_runs(handle, where=w, limit=None, all_branches=True).runs]
        for w in WHERE
    ] + [
        [str(doc["id"]) for doc in list_runs(handle, sort=["-metrics.acc"], all_branches=True).runs]
    ]


def _index(repo: Path) -> Index:
    return Index(repo / ".git" / "gitml" / index_module.INDEX_FILE)


def _wait_for_the_step(repo: Path, timeout: float = 60) -> None:
    """Until a step started the fill (its lock exists) and none holds the lock."""
    lock = repo / ".git" / "gitml" / fields_warm.LOCK
    deadline = time.monotonic() + timeout
    while not lock.exists():
        assert time.monotonic() < deadline, "no step started"
        time.sleep(0.05)
    with exclusive(lock):
        pass
    for proc in housekeeping._started:
        proc.wait(timeout=max(1.0, deadline - time.monotonic()))


def test_a_listing_that_grew_the_index_fills_the_fields_in_the_background(
    repo_with_commit: Path, monkeypatch: pytest.MonkeyPatch, reaped: None
) -> None:
    repo = repo_with_commit
    _store(repo)
    monkeypatch.setattr(index_module, "DEFER_FIELDS", 0)  # any refresh leaves them
    git(repo, "config", fields_warm.SWITCH, "true")
    list_runs(open_repo(repo))  # a plain listing: refreshes, starts the step, fills nothing
    _wait_for_the_step(repo)
    index = _index(repo)
    assert not index.fields_pending()  # the step filled them, not a query
    assert index.run(lambda conn: conn.execute("SELECT count(*) FROM fields").fetchone())[0] > 0
    indexes = index.run(lambda conn: conn.execute("PRAGMA index_list(records)").fetchall())
    assert "records_branch" in {row[1] for row in indexes}
    index.close()
    assert not (repo / ".git" / "gitml" / fields_warm.LOG).exists()
    warmed = _answers(repo)
    assert any(warmed)
    assert not all(warmed)

    shutil.rmtree(repo / ".git" / "gitml")  # again, with the step switched off
    git(repo, "config", fields_warm.SWITCH, "false")
    list_runs(open_repo(repo))
    index = _index(repo)
    assert index.fields_pending()
    index.close()
    assert not (repo / ".git" / "gitml" / fields_warm.LOCK).exists()  # no step started
    assert _answers(repo) == warmed  # each query filled what it needed itself


def test_a_query_finishes_a_fill_a_step_left_halfway(
    repo_with_commit: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = repo_with_commit
    _store(repo)
    expected = _answers(repo)
    shutil.rmtree(repo / ".git" / "gitml")
    monkeypatch.setattr(index_module, "DEFER_FIELDS", 0)
    list_runs(open_repo(repo))
    index = _index(repo)
    index.run(lambda conn: index_module._fill_chunk(conn, chunk=2))  # a step killed after one
    assert index.fields_pending()
    index.close()
    assert _answers(repo) == expected


@pytest.mark.parametrize("walks", [True, False], ids=["walked", "counted"])
def test_matches_on_other_branches_are_counted_up_to_the_cap(
    in_repo: Path, monkeypatch: pytest.MonkeyPatch, walks: bool
) -> None:
    repo = in_repo
    for n in range(4):
        record(repo, name=f"r{n}", params={"lr": 0.1 * (n + 1)})
    if not walks:  # every walk gives up at once: the count of the row-selecting query
        monkeypatch.setattr(index_module, "PROGRESS_EVERY", 1)
        monkeypatch.setattr(index_module, "WALK_STEPS", 0)
    handle = open_repo(repo)
    for where, hidden in ((None, 4), ("params.lr > 0.15", 3), ("params.lr > 9", 0)):
        listing = list_runs(handle, where=where, branch="other")
        assert (listing.runs, listing.hidden_other_branches) == ([], hidden), where
    said = cli("ls", "--where", "params.lr > 0.15", "--branch", "other").stderr
    assert said == "no runs that match on branch 'other' (3 on other branches; use --all)\n"
    monkeypatch.setattr(store, "HIDDEN_COUNT_CAP", 2)
    monkeypatch.setattr(_runs_view, "HIDDEN_COUNT_CAP", 2)
    assert list_runs(handle, where="params.lr > 0.15", branch="other").hidden_other_branches == 3
    assert list_runs(handle, where="params.lr > 0.25", branch="other").hidden_other_branches == 2
    said = cli("ls", "--where", "params.lr > 0.15", "--branch", "other").stderr
    assert (
        said == "no runs that match on branch 'other' (more than 2 on other branches; use --all)\n"
    )
    assert cli("ls", "--branch", "other").stderr == (
        "no runs on branch 'other' (more than 2 on other branches; use --all)\n"
    )
