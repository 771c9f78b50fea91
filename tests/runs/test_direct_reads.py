"""Runs looked up by id while the index is behind are read from their blobs, and say
exactly what the index says."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitml.runs.paths import runs_collection
from gitml.runs.store import find_run, find_runs, list_runs
from gitml.storage.index import Index
from gitml.storage.repo import open_repo
from tests.runs.test_store import record
from tests.security.forge import commit_files
from tests.support.core import git
from tests.support.index import count_openings


def _index_behind(repo: Path) -> bool:
    collection = runs_collection(open_repo(repo))
    index = Index.for_collection(collection)
    try:
        return index.indexed_tip(collection.ref) != collection.tip()
    finally:
        index.close()


def test_a_cold_lookup_reads_blobs_and_agrees_with_the_index(repo_with_commit: Path) -> None:
    repo = repo_with_commit
    ids = [str(record(repo, name=f"r{n}")["id"]) for n in range(3)]
    warm = find_runs(open_repo(repo), ids)  # through the index
    assert sorted(warm) == sorted(ids)
    for path in (repo / ".git" / "gitml").glob("index-v*"):
        path.unlink()
    assert find_run(open_repo(repo), ids[1]) == warm[ids[1]]
    cold = find_runs(open_repo(repo), [*ids, "01ARZ3NDEKTSV4RRFFQ69G5FAV"])
    assert cold == warm
    assert _index_behind(repo)  # no index was built for a few lookups


def test_a_cold_lookup_leaves_out_a_record_the_index_leaves_out(repo_with_commit: Path) -> None:
    repo = repo_with_commit
    run_id = str(record(repo, name="broken")["id"])
    path = runs_collection(open_repo(repo)).record_path(run_id)
    text = git(repo, "show", f"refs/gitml/runs:{path}").replace('status = "', 'status = "x')
    commit_files(repo, "refs/gitml/runs", {path: text.encode()})
    for index_path in (repo / ".git" / "gitml").glob("index-v*"):
        index_path.unlink()
    assert find_runs(open_repo(repo), [run_id]) == {}  # read from the blob: invalid
    assert _index_behind(repo)
    assert len(list_runs(open_repo(repo), all_branches=True).invalid) == 1  # builds the index
    assert not _index_behind(repo)
    assert find_run(open_repo(repo), run_id) is None  # through the index: left out too


def test_a_lookup_by_id_opens_the_index_once(
    repo_with_commit: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Asking whether the index is behind and querying it share one connection (``model
    register`` looks its run up this way)."""
    repo = repo_with_commit
    ids = [str(record(repo, name=f"r{n}")["id"]) for n in range(2)]
    list_runs(open_repo(repo), all_branches=True)  # builds the index
    assert not _index_behind(repo)
    opened = count_openings(monkeypatch)
    assert find_run(open_repo(repo), ids[0]) is not None
    assert len(opened) == 1
    opened.clear()
    for path in (repo / ".git" / "gitml").glob("index-v*"):
        path.unlink()
    assert sorted(find_runs(open_repo(repo), ids)) == sorted(ids)  # behind: from the blobs
    assert len(opened) == 1
