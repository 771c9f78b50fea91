"""Housekeeping packs gitml's loose objects in bounded steps, next to concurrent writers."""

from __future__ import annotations

import math
import os
import struct
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from gitml.storage import INDEX_FILE, housekeeping
from gitml.storage.filelock import exclusive, hold_shared
from tests.storage.helpers import (
    FORK,
    REF,
    assert_all_valid,
    assert_fsck_clean,
    bulk_put,
    collection,
    put_record,
    run_workers,
)
from tests.support.core import git


def _packs(repo: Path) -> list[Path]:
    return sorted((repo / ".git" / "objects" / "pack").glob("*.pack"))


def _objects_in_packs(repo: Path) -> dict[str, int]:
    """Pack file name -> how many objects it holds."""
    # A version-2 .idx: magic, version, then 256 fan-out counts; the last is the total.
    return {
        pack.name: struct.unpack(">I", pack.with_suffix(".idx").read_bytes()[1028:1032])[0]
        for pack in _packs(repo)
    }


def _loose(repo: Path) -> int:
    return int(git(repo, "count-objects", "-v").split("count: ")[1].split()[0])


def _switch_on(repo: Path) -> None:
    # The tests' global config switches automatic housekeeping off (gc.auto = 0).
    git(repo, "config", "gc.auto", "6700")


def _step(repo: Path) -> bool:
    return housekeeping.housekeep(repo / ".git")


def _until(condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not so after {timeout} s"
        time.sleep(0.1)


def _wait_until_packed(repo: Path, timeout: float = 30) -> None:
    """Until no loose object is left and no step holds the lock."""
    deadline = time.monotonic() + timeout
    lock = repo / ".git" / "gitml" / housekeeping.LOCK
    while time.monotonic() < deadline:
        if _packs(repo) and _loose(repo) == 0 and lock.exists():
            with exclusive(lock):  # a step still running holds it
                return
        time.sleep(0.05)
    raise AssertionError(f"still {_loose(repo)} loose objects after {timeout} s")


def test_every_gc_every_writes_start_a_step_that_packs_the_loose_objects(
    repo_with_commit: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = repo_with_commit
    monkeypatch.setattr(housekeeping, "GC_EVERY", 4)
    _switch_on(repo)
    coll = collection(repo)
    for n in range(3):
        put_record(coll, f"r{n}")
    time.sleep(0.5)
    assert _packs(repo) == []  # three writes: no step yet
    assert _loose(repo) > 0
    put_record(coll, "r3")
    _wait_until_packed(repo)
    assert len(assert_all_valid(repo)) == 4
    assert_fsck_clean(repo)
    assert not (repo / ".git" / "gc.log").exists()  # git's own auto-gc stays on
    assert not (repo / ".git" / "gitml" / housekeeping.LOG).exists()


def test_a_step_rewrites_only_what_is_new_and_packs_stay_logarithmic(
    repo_with_commit: Path,
) -> None:
    repo = repo_with_commit
    _switch_on(repo)
    coll = collection(repo)
    bulk_put(coll, [f"b{n:04d}" for n in range(400)], "many records")
    assert _step(repo)
    (big,) = _objects_in_packs(repo)
    for step in range(12):
        for n in range(3):
            put_record(coll, f"s{step}n{n}")
        assert _step(repo)
        counts = _objects_in_packs(repo)
        # The store's big pack is never rewritten for a few new objects ...
        assert big in counts, (step, counts)
        assert _loose(repo) == 0
        # ... and packs stay about log2 of the objects, however many steps ran.
        assert len(counts) <= math.log2(sum(counts.values())) + 1, counts
    assert len(_objects_in_packs(repo)) < 12  # small packs were merged
    assert len(assert_all_valid(repo)) == 436
    assert_fsck_clean(repo)


def test_a_step_packs_unreachable_loose_objects_and_deletes_nothing(
    repo_with_commit: Path,
) -> None:
    repo = repo_with_commit
    _switch_on(repo)
    (repo / "orphan.txt").write_text("written, never published\n")
    orphan = git(repo, "hash-object", "-w", "orphan.txt")
    assert _step(repo)
    assert _loose(repo) == 0
    assert git(repo, "cat-file", "-p", orphan.strip()) == "written, never published\n"


def test_gc_auto_zero_switches_steps_off(repo_with_commit: Path) -> None:
    repo = repo_with_commit
    git(repo, "config", "gc.auto", "0")
    put_record(collection(repo), "r0")
    loose = _loose(repo)
    assert not _step(repo)
    assert _packs(repo) == []
    assert _loose(repo) == loose


def test_a_step_leaves_the_work_to_one_already_running(repo_with_commit: Path) -> None:
    repo = repo_with_commit
    _switch_on(repo)
    put_record(collection(repo), "r0")
    loose = _loose(repo)
    with exclusive(repo / ".git" / "gitml" / housekeeping.LOCK):
        started = time.monotonic()
        assert not _step(repo)
        assert time.monotonic() - started < 5  # it did not wait
    assert _packs(repo) == []
    assert _loose(repo) == loose
    assert _step(repo)
    assert _loose(repo) == 0


def test_a_failed_step_says_why_and_the_next_good_one_clears_it(repo_with_commit: Path) -> None:
    repo = repo_with_commit
    _switch_on(repo)
    put_record(collection(repo), "r0")
    git(repo, "config", "pack.window", "not-a-number")
    assert _step(repo)
    log = repo / ".git" / "gitml" / housekeeping.LOG
    assert "pack.window" in log.read_text()
    git(repo, "config", "--unset", "pack.window")
    assert _step(repo)
    assert not log.exists()
    assert _loose(repo) == 0


def _append(path: Path, worker: int, count: int, barrier: Any) -> None:
    coll = collection(path)
    barrier.wait()
    for n in range(count):
        put_record(coll, f"g{worker}n{n:04d}")


@pytest.mark.slow
def test_steps_do_not_disturb_concurrent_writers(
    repo_with_commit: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(housekeeping, "GC_EVERY", 20)
    repo = repo_with_commit
    _switch_on(repo)
    barrier = FORK.Barrier(2)
    run_workers(_append, [(repo, w, 150, barrier) for w in range(2)], timeout=180)
    _until(lambda: bool(_packs(repo)))  # background steps ran while the writers wrote
    # A trigger that came while a step ran left its objects to the next step; one more
    # step (once no background step holds the lock) packs them.
    _until(lambda: _step(repo))
    assert _loose(repo) == 0
    assert len(assert_all_valid(repo)) == 300
    assert git(repo, "rev-list", "--count", REF).strip() == "300"
    assert_fsck_clean(repo)
    assert not (repo / ".git" / "gc.log").exists()
    assert len(_packs(repo)) <= math.log2(sum(_objects_in_packs(repo).values())) + 1


def _index_files(state: Path, name: str) -> list[Path]:
    """An index file and its companions, as a gitml of that schema version leaves them."""
    files = [state / f"{name}{suffix}" for suffix in ("", "-wal", "-shm", ".init", ".users")]
    for path in files:
        path.write_bytes(b"")
    return files


def _age(files: list[Path], seconds: float) -> None:
    stamp = time.time() - seconds
    for path in files:
        os.utime(path, (stamp, stamp))


def test_a_step_removes_other_versions_indexes_unused_for_a_month(repo_with_commit: Path) -> None:
    repo = repo_with_commit
    _switch_on(repo)
    state = repo / ".git" / "gitml"
    state.mkdir(exist_ok=True)
    month = housekeeping.UNUSED_INDEX_S
    old = _index_files(state, "index-v3.sqlite")
    _age(old, month + 60)
    recent = _index_files(state, "index-v4.sqlite")
    _age(recent, month - 3_600)
    held = _index_files(state, "index-v5.sqlite")
    _age(held, month + 60)
    current = _index_files(state, INDEX_FILE)
    _age(current, month + 60)
    other = state / "index-v6.sqlite.bak"
    other.write_bytes(b"")
    _age([other], month + 60)
    users = hold_shared(held[-1])  # a gitml of version 5 has its index open
    try:
        assert _step(repo)
    finally:
        os.close(users)
    assert not any(path.exists() for path in old)
    assert all(path.exists() for path in [*recent, *held, *current, other])
    assert housekeeping.remove_unused_indexes(state) == ["index-v5.sqlite"]
    assert not any(path.exists() for path in held)
