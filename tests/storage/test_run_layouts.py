"""Runs collections created now fan out four levels deep; older ones keep their layout.

The layout is what the ref's ``layout.toml`` names: a runs ref created with one level of
256 folders keeps writing and reading there, and the history check refuses any run filed
under the other layout, so one id never has two paths in one ref.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gitml.errors import GitmlError
from gitml.integrity.history import check_history
from gitml.records import codec
from gitml.runs.paths import runs_collection
from gitml.runs.store import find_run, get_run
from gitml.storage import RUNS_REF
from gitml.storage.collection import DEEP, LAYOUT_PATH, WIDE, Collection
from gitml.storage.repo import open_repo
from tests.runs.test_store import record
from tests.support.core import git


def _start_wide(repo: Path) -> None:
    """A runs ref as gitml created it before the four-level layout."""
    Collection(open_repo(repo), RUNS_REF, "runs", fresh=WIDE).write(lambda _s: {}, "start")


def _paths(repo: Path) -> list[str]:
    out = git(repo, "ls-tree", "-r", "--name-only", RUNS_REF).split()
    return [p for p in out if p.startswith("runs/")]


def _layout(repo: Path) -> dict[str, object]:
    return dict(codec.loads(git(repo, "show", f"{RUNS_REF}:{LAYOUT_PATH}"), where="layout"))


def test_new_runs_are_filed_four_levels_deep(repo_with_commit: Path) -> None:
    doc = record(repo_with_commit, name="deep")
    run_id = str(doc["id"])
    assert f"runs/{DEEP.shard(run_id)}/{run_id}.toml" in _paths(repo_with_commit)
    assert all(p.count("/") == 5 for p in _paths(repo_with_commit))
    assert DEEP.shard(run_id).count("/") == 3
    assert _layout(repo_with_commit)["fanout"] == 4
    assert get_run(open_repo(repo_with_commit), "deep")["id"] == run_id
    tip = git(repo_with_commit, "rev-parse", RUNS_REF).strip()
    assert check_history(open_repo(repo_with_commit), RUNS_REF, tip, skew_s=60).problems == []


def test_a_runs_ref_created_wide_keeps_its_layout(repo_with_commit: Path) -> None:
    repo = repo_with_commit
    _start_wide(repo)
    first = record(repo, name="one")
    second = record(repo, name="two")
    wanted = sorted(f"runs/{WIDE.shard(str(d['id']))}/{d['id']}.toml" for d in (first, second))
    assert sorted(p for p in _paths(repo) if p.endswith(".toml")) == wanted
    assert _layout(repo)["fanout"] == 1
    handle = open_repo(repo)
    assert find_run(handle, str(first["id"])) is not None
    assert get_run(handle, "two")["id"] == second["id"]
    assert get_run(handle, str(second["id"])[:16])["id"] == second["id"]
    tip = git(repo, "rev-parse", RUNS_REF).strip()
    assert check_history(handle, RUNS_REF, tip, skew_s=60).problems == []


@pytest.mark.parametrize("created", ["wide", "deep"])
def test_history_refuses_a_run_filed_under_the_other_layout(
    repo_with_commit: Path, created: str
) -> None:
    repo = repo_with_commit
    if created == "wide":
        _start_wide(repo)
    doc = record(repo, name="real")
    run_id = str(doc["id"])
    own, other = (WIDE, DEEP) if created == "wide" else (DEEP, WIDE)
    data = git(repo, "show", f"{RUNS_REF}:runs/{own.shard(run_id)}/{run_id}.toml").encode()
    forged = f"runs/{other.shard(run_id)}/{run_id}.toml"
    # Collection.write files bytes wherever it is told; the history check is the guard.
    coll = Collection(open_repo(repo), RUNS_REF, "runs")
    tip = coll.write(lambda _s: {forged: data.replace(b"real", b"fake")}, "second copy")
    problems = check_history(open_repo(repo), RUNS_REF, tip, skew_s=60).problems
    assert len(problems) == 1, problems
    assert forged in problems[0]
    assert f"runs/{own.shard(run_id)}/{run_id}.toml" in problems[0]
    assert "shard" in problems[0]


def test_an_unknown_layout_is_a_clear_error(repo_with_commit: Path) -> None:
    repo = repo_with_commit
    odd = b'schema = "gitml/layout/1"\ncollection = "runs"\nfanout = 3\nshard = "xxh3-64:1"\n'
    Collection(open_repo(repo), RUNS_REF, "").write(lambda _s: {LAYOUT_PATH: odd}, "odd")
    with pytest.raises(GitmlError, match=r"layout\.toml: not a collection layout"):
        runs_collection(open_repo(repo)).record_path("01KE0C9A1B2C3D4E5F6G7H8J9K")
