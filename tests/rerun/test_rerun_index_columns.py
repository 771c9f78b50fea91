"""The index's copies of a run's ``code.branch`` and ``parent`` answer the default branch
filter and the reruns of a run exactly as the documents do."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import gitml
from gitml.records import codec
from gitml.rerun.select import find_reruns
from gitml.runs.paths import runs_collection
from gitml.runs.store import list_runs
from gitml.storage.index import is_record_path
from gitml.storage.repo import open_repo
from tests.rerun.rerun_support import isolated_project, record, rerun_json
from tests.support.core import git
from tests.support.index import columns_disagreeing


@pytest.fixture
def project(in_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return isolated_project(in_repo, tmp_path, monkeypatch)


def _documents(repo: Path) -> list[dict[str, Any]]:
    """Every run record, read from its blob (not from the index)."""
    collection = runs_collection(open_repo(repo))
    return [
        codec.loads(data, where=path)
        for path, data in collection.iter_records()
        if is_record_path(path)
    ]


def test_branch_filter_and_reruns_answer_as_the_documents_say(project: Path) -> None:
    base = record("-n", "base")
    first = rerun_json("base")["rerun"]["id"]
    again = rerun_json(first)["rerun"]["id"]  # a rerun of a rerun
    with gitml.start_run(path=project, name="inner", parent=base["id"]):
        pass  # a nested run: a parent, but no verdict, so no rerun
    git(project, "checkout", "-q", "-b", "exp")
    other = record("-n", "other")
    late = rerun_json("base")["rerun"]["id"]  # made on exp: a rerun keeps its run's branch
    side = rerun_json("other")["rerun"]["id"]
    repo = open_repo(project)
    docs = _documents(project)
    assert {d["code"]["branch"] for d in docs} == {"main", "exp"}
    by_id = {d["id"]: d for d in docs}
    assert by_id[again]["parent"] == first
    assert (by_id[late]["code"]["branch"], by_id[side]["code"]["branch"]) == ("main", "exp")

    for branch in ("main", "exp"):
        listed = list_runs(repo, branch=branch, limit=None).runs
        wanted = sorted((d["id"] for d in docs if d["code"]["branch"] == branch), reverse=True)
        assert [d["id"] for d in listed] == wanted, branch
        listed = list_runs(repo, branch=branch, where="metrics.acc > 0", limit=None).runs
        scored = [i for i in wanted if by_id[i].get("metrics", {}).get("acc", 0) > 0]
        assert [d["id"] for d in listed] == scored, branch
    assert [d["id"] for d in list_runs(repo, limit=None).runs] == [side, other["id"]]
    assert not list_runs(repo, branch="nowhere", limit=None).runs

    for doc in docs:
        wanted = sorted(d["id"] for d in docs if d.get("parent") == doc["id"] and "rerun" in d)
        assert [d["id"] for d in find_reruns(repo, doc["id"])] == wanted, doc["name"]
    assert [d["id"] for d in find_reruns(repo, base["id"])] == sorted([first, late])
    assert [d["id"] for d in find_reruns(repo, first)] == [again]
    assert columns_disagreeing(repo.state_dir) == []
