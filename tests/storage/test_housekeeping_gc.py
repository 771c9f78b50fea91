"""Housekeeping under the two settings a large store's owner may choose for ``git gc``
(``gc.bigPackThreshold``, ``gc.writeCommitGraph = false``; gitml writes neither): gc after
steps still keeps every record, the whole history and a valid commit-graph."""

from __future__ import annotations

from pathlib import Path

from gitml.storage import housekeeping
from tests.storage.helpers import (
    REF,
    assert_all_valid,
    assert_fsck_clean,
    bulk_put,
    collection,
    put_record,
)
from tests.support.core import git


def _packs(repo: Path) -> set[str]:
    return {p.name for p in (repo / ".git" / "objects" / "pack").glob("*.pack")}


def _step(repo: Path) -> None:
    git(repo, "config", "gc.auto", "6700")  # the tests' global config has steps off
    assert housekeeping.housekeep(repo / ".git")


def _chain(repo: Path) -> Path:
    return repo / ".git" / "objects" / "info" / "commit-graphs" / "commit-graph-chain"


def test_a_step_writes_no_gc_setting(repo_with_commit: Path) -> None:
    repo = repo_with_commit
    put_record(collection(repo), "r0")
    git(repo, "config", "gc.auto", "6700")
    before = git(repo, "config", "--local", "--list")
    _step(repo)
    after = git(repo, "config", "--local", "--list")
    assert [line for line in after.splitlines() if line not in before.splitlines()] == []
    assert not _chain(repo).exists()  # gc writes this repository's commit-graph itself


def test_gc_after_steps_keeps_the_big_pack_every_record_and_the_history(
    repo_with_commit: Path,
) -> None:
    repo = repo_with_commit
    git(repo, "config", "gc.bigPackThreshold", "20k")  # the owner's choice (64m at scale)
    coll = collection(repo)
    bulk_put(coll, [f"b{n:04d}" for n in range(400)], "many records")
    _step(repo)
    (big,) = _packs(repo)
    assert (repo / ".git" / "objects" / "pack" / big).stat().st_size >= 20 * 1024
    for n in range(3):
        put_record(coll, f"s{n}")
    _step(repo)
    small = _packs(repo) - {big}
    assert small
    history = git(repo, "rev-list", "--objects", REF)
    (repo / "orphan.txt").write_text("written, never published\n")
    orphan = git(repo, "hash-object", "-w", "orphan.txt").strip()
    git(repo, "gc", "--quiet", "--prune=now")
    after = _packs(repo)
    assert big in after  # kept as the step left it ...
    assert not small & after  # ... the small packs rewritten, as before
    assert git(repo, "rev-list", "--objects", REF) == history
    assert len(assert_all_valid(repo)) == 403
    assert_fsck_clean(repo)
    assert git(repo, "cat-file", "-t", orphan, check=False).strip() != "blob"  # pruned
    git(repo, "gc", "--quiet", "--no-keep-largest-pack")  # the full gc, for when it is wanted
    assert big not in _packs(repo)
    assert len(assert_all_valid(repo)) == 403


def test_steps_write_the_commit_graph_in_layers_that_gc_leaves(repo_with_commit: Path) -> None:
    repo = repo_with_commit
    git(repo, "config", "gc.writeCommitGraph", "false")  # the owner's choice
    coll = collection(repo)
    put_record(coll, "r0")
    _step(repo)
    assert _chain(repo).exists()
    for step in range(3):
        for n in range(4):
            put_record(coll, f"s{step}n{n}")
        _step(repo)
    chain = _chain(repo).read_text()
    git(repo, "gc", "--quiet")
    assert _chain(repo).read_text() == chain  # gc rewrote no commit-graph
    assert not (repo / ".git" / "objects" / "info" / "commit-graph").exists()
    git(repo, "commit-graph", "verify")
    assert git(repo, "rev-list", "--count", REF).strip() == "13"
    assert len(assert_all_valid(repo)) == 13


def test_a_failed_commit_graph_layer_is_logged_and_the_records_stay(
    repo_with_commit: Path,
) -> None:
    repo = repo_with_commit
    git(repo, "config", "gc.writeCommitGraph", "false")
    put_record(collection(repo), "r0")
    (repo / ".git" / "objects" / "info").mkdir(parents=True, exist_ok=True)
    _chain(repo).parent.write_text("not a folder\n")
    _step(repo)
    log = repo / ".git" / "gitml" / housekeeping.LOG
    assert "commit-graph write" in log.read_text()
    assert len(assert_all_valid(repo)) == 1
    _chain(repo).parent.unlink()
    _step(repo)
    assert not log.exists()
    assert _chain(repo).exists()
