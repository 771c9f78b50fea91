"""Killed writers leave a consistent repository; their stale locks do not block others."""

from __future__ import annotations

import os
import random
import time
from pathlib import Path
from typing import Any

import pytest

from gitml.errors import RefConflict
from gitml.storage import refs
from gitml.storage.refs import clear_stale_lock, lock_path
from gitml.storage.repo import open_repo
from tests.storage.helpers import (
    FORK,
    REF,
    assert_all_valid,
    assert_fsck_clean,
    collection,
    put_record,
    record_paths,
)
from tests.support.core import git


def _append_forever(path: Path, worker: int, ready: Any) -> None:
    coll = collection(path)
    ready.set()
    n = 0
    while True:
        put_record(coll, f"k{worker:03d}n{n:05d}")
        n += 1


def _age(lock: Path, seconds: float) -> None:
    past = time.time() - seconds
    os.utime(lock, (past, past))


@pytest.mark.slow
def test_writer_killed_at_random_points_leaves_repository_consistent(
    repo_with_commit: Path,
) -> None:
    repo = repo_with_commit
    lock = lock_path(open_repo(repo), REF)
    rng = random.Random(20260102)
    stale_locks = 0
    survived = []
    iteration = 0
    # At least 60 kills, and on until ten records got through: on a loaded machine a
    # writer killed within 30 ms has often not written yet.
    while iteration < 60 or survived[-1] < 10:
        assert iteration < 400, survived
        iteration += 1
        ready = FORK.Event()
        proc = FORK.Process(target=_append_forever, args=(repo, iteration, ready))
        proc.start()
        assert ready.wait(10)
        time.sleep(rng.uniform(0.001, 0.030))
        proc.kill()
        proc.join()
        if lock.exists():
            # Killed while holding the ref lock: what a crash looks like some time later.
            stale_locks += 1
            _age(lock, refs.STALE_LOCK_SECONDS + 5)
        assert_fsck_clean(repo)
        # A writer killed before its first write leaves no ref at all, which is consistent.
        written = git(repo, "rev-parse", "--verify", "-q", REF, check=False).strip()
        survived.append(len(assert_all_valid(repo)) if written else 0)
        assert survived[-1] >= (survived[-2] if len(survived) > 1 else 0), iteration
    # The next writer breaks any stale lock at once instead of waiting STALE_LOCK_SECONDS.
    started = time.monotonic()
    put_record(collection(repo), "after-the-crashes")
    assert time.monotonic() - started < refs.STALE_LOCK_SECONDS / 2
    assert not lock.exists()
    paths = record_paths(repo)
    assert any(p.endswith("/after-the-crashes.toml") for p in paths)
    # Every commit on the ref is a complete write: one record more than its parent.
    assert len(paths) == int(git(repo, "rev-list", "--count", REF))
    assert_fsck_clean(repo)
    print(f"{len(paths)} records, {stale_locks} stale locks left by killed writers")


def test_stale_lock_with_old_mtime_is_broken_by_next_writer(repo_with_commit: Path) -> None:
    coll = collection(repo_with_commit)
    put_record(coll, "before")
    lock = lock_path(coll.repo, REF)
    lock.write_text("0" * 40 + "\n")
    _age(lock, refs.STALE_LOCK_SECONDS + 1)
    started = time.monotonic()
    put_record(coll, "after")
    assert time.monotonic() - started < 1
    assert not lock.exists()
    assert len(record_paths(repo_with_commit)) == 2
    assert_fsck_clean(repo_with_commit)


def test_stale_lock_on_absent_ref_does_not_block_creation(repo_with_commit: Path) -> None:
    coll = collection(repo_with_commit)
    lock = lock_path(coll.repo, REF)
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.write_text("")
    _age(lock, 3600)
    put_record(coll, "first")
    assert [p.rsplit("/", 1)[1] for p in record_paths(repo_with_commit)] == ["first.toml"]


def test_young_lock_is_waited_for_not_broken(
    repo_with_commit: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(refs, "STALE_LOCK_SECONDS", 1.0)
    coll = collection(repo_with_commit)
    put_record(coll, "before")
    lock = lock_path(coll.repo, REF)
    lock.write_text("")
    _age(lock, 0.5)  # another writer took it half a second ago
    assert not clear_stale_lock(coll.repo, REF)
    started = time.monotonic()
    put_record(coll, "after")
    waited = time.monotonic() - started
    assert 0.4 < waited < 3, waited
    assert len(record_paths(repo_with_commit)) == 2


def test_lock_that_stays_fresh_ends_in_clear_error(
    repo_with_commit: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(refs, "RETRY_SECONDS", 0.5)
    coll = collection(repo_with_commit)
    put_record(coll, "before")
    tip = git(repo_with_commit, "rev-parse", REF)
    lock = lock_path(coll.repo, REF)
    lock.write_text("")
    with pytest.raises(RefConflict) as info:
        put_record(coll, "blocked")
    assert str(lock) in str(info.value)
    assert "remove" in str(info.value)
    assert lock.exists()  # a live lock is never taken away
    assert git(repo_with_commit, "rev-parse", REF) == tip


def test_only_one_of_many_breakers_removes_a_stale_lock(repo_with_commit: Path) -> None:
    repo = open_repo(repo_with_commit)
    lock = lock_path(repo, REF)
    lock.parent.mkdir(parents=True, exist_ok=True)
    lock.write_text("")
    _age(lock, 3600)
    assert clear_stale_lock(repo, REF)
    assert not clear_stale_lock(repo, REF)
    lock.write_text("")  # a new writer's fresh lock
    assert not clear_stale_lock(repo, REF)
    assert lock.exists()
