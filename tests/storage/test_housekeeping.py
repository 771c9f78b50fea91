"""Every GC_EVERY writes start `git gc --auto`; it never harms concurrent writers."""

from __future__ import annotations

import hashlib
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from gitml.storage import housekeeping
from tests.storage.helpers import (
    FORK,
    REF,
    assert_all_valid,
    assert_fsck_clean,
    collection,
    put_record,
    run_workers,
)
from tests.support.core import git


def _packs(repo: Path) -> list[Path]:
    return sorted((repo / ".git" / "objects" / "pack").glob("*.pack"))


def _seed_loose_objects_in_17(repo: Path, count: int) -> None:
    """With gc.auto=1, `gc --auto` acts once objects/17 holds 2 loose objects (git samples
    that one directory), so seed it with reachable blobs to make the first trigger certain."""
    made, n = 0, 0
    while made < count:
        data = f"seed {n}\n".encode()
        n += 1
        if hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest().startswith("17"):
            proc = subprocess.run(
                ["git", "hash-object", "-w", "--stdin"],
                cwd=repo,
                input=data,
                check=True,
                capture_output=True,
            )
            git(repo, "update-ref", f"refs/seeds/{made}", proc.stdout.decode().strip())
            made += 1


def _gc_config(repo: Path) -> None:
    git(repo, "config", "gc.auto", "1")
    # A warning in gc.log (e.g. unreachable objects left by CAS retries) would make git skip
    # every later `gc --auto` for a day; the tests want each trigger to act.
    git(repo, "config", "gc.logExpiry", "now")


def _wait_for_gc(repo: Path, timeout: float = 30) -> None:
    """Until packs exist and no gc holds gc.pid (git removes it when it finishes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _packs(repo) and not (repo / ".git" / "gc.pid").exists():
            time.sleep(0.2)
            if not (repo / ".git" / "gc.pid").exists():
                return
        time.sleep(0.05)
    raise AssertionError("git gc --auto did not run")


def _assert_gc_succeeded(repo: Path) -> None:
    """A detached gc reports failures in gc.log; with gc.auto=1 the seeded unreachable
    objects keep it warning that it would like to run again, which is not a failure."""
    log = repo / ".git" / "gc.log"
    if log.exists():
        lines = log.read_text().splitlines()
        assert all("too many unreachable loose objects" in line for line in lines), lines


def test_gc_auto_starts_every_gc_every_writes(
    repo_with_commit: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(housekeeping, "GC_EVERY", 4)
    _gc_config(repo_with_commit)
    _seed_loose_objects_in_17(repo_with_commit, 3)
    coll = collection(repo_with_commit)
    for n in range(3):
        put_record(coll, f"r{n}")
    time.sleep(0.5)
    assert _packs(repo_with_commit) == []  # three writes: no gc yet
    put_record(coll, "r3")
    _wait_for_gc(repo_with_commit)
    assert _packs(repo_with_commit)
    _assert_gc_succeeded(repo_with_commit)
    assert len(assert_all_valid(repo_with_commit)) == 4
    assert_fsck_clean(repo_with_commit)


def _append(path: Path, worker: int, count: int, barrier: Any) -> None:
    coll = collection(path)
    barrier.wait()
    for n in range(count):
        put_record(coll, f"g{worker}n{n:04d}")


@pytest.mark.slow
def test_background_gc_does_not_disturb_concurrent_writers(
    repo_with_commit: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(housekeeping, "GC_EVERY", 20)
    repo = repo_with_commit
    _gc_config(repo)
    git(repo, "config", "gc.autoPackLimit", "2")  # repack everything (-A) as packs pile up
    _seed_loose_objects_in_17(repo, 3)
    barrier = FORK.Barrier(2)
    run_workers(_append, [(repo, w, 150, barrier) for w in range(2)], timeout=180)
    _wait_for_gc(repo)
    assert len(assert_all_valid(repo)) == 300
    assert git(repo, "rev-list", "--count", REF).strip() == "300"
    assert_fsck_clean(repo)
    _assert_gc_succeeded(repo)
    # gc really ran: refs were packed and objects went into packs (how many stay loose
    # depends on when the last gc started relative to the writers).
    assert REF in (repo / ".git" / "packed-refs").read_text()
    packed = int(git(repo, "count-objects", "-v").split("in-pack: ")[1].split()[0])
    assert packed > 0
