"""A warning an earlier gc left in gc.log never switches gitml's housekeeping off."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from gitml.storage import housekeeping
from tests.storage.helpers import assert_all_valid, assert_fsck_clean, collection, put_record
from tests.storage.test_housekeeping import _loose, _packs, _wait_until_packed
from tests.support.core import git

WARNING = "warning: There are too many unreachable loose objects; run 'git prune' to remove them.\n"


def _seed_loose_objects_in_17(repo: Path, count: int) -> None:
    """With gc.auto=1, `gc --auto` wants to act once objects/17 holds 2 loose objects (git
    samples that one directory), so seed it with reachable blobs."""
    made, n = 0, 0
    while made < count:
        data = f"seed {n}\n"
        n += 1
        if hashlib.sha1(b"blob %d\0" % len(data) + data.encode()).hexdigest().startswith("17"):
            (repo / "seed.txt").write_text(data)
            oid = git(repo, "hash-object", "-w", "seed.txt").strip()
            git(repo, "update-ref", f"refs/seeds/{made}", oid)
            made += 1


def test_housekeeping_runs_although_an_earlier_gc_left_a_warning(
    repo_with_commit: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = repo_with_commit
    monkeypatch.setattr(housekeeping, "GC_EVERY", 4)
    git(repo, "config", "gc.auto", "1")
    _seed_loose_objects_in_17(repo, 3)
    # What a detached gc leaves when writers add objects while it runs: plain
    # `git gc --auto` then refuses to run for gc.logExpiry (a day).
    (repo / ".git" / "gc.log").write_text(WARNING)
    refused = git(repo, "gc", "--auto")
    assert not _packs(repo), refused
    assert _loose(repo) >= 3
    coll = collection(repo)
    for n in range(4):
        put_record(coll, f"r{n}")
    _wait_until_packed(repo)
    assert len(assert_all_valid(repo)) == 4
    assert_fsck_clean(repo)
