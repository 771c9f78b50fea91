"""A warning an earlier gc left in gc.log never switches gitml's housekeeping off."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from gitml.storage import housekeeping
from tests.storage.helpers import assert_all_valid, assert_fsck_clean, collection, put_record
from tests.storage.test_housekeeping import _packs, _seed_loose_objects_in_17, _wait_for_gc
from tests.support.core import git

WARNING = "warning: There are too many unreachable loose objects; run 'git prune' to remove them.\n"


def test_gc_runs_although_an_earlier_gc_left_a_warning(
    repo_with_commit: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = repo_with_commit
    monkeypatch.setattr(housekeeping, "GC_EVERY", 4)
    git(repo, "config", "gc.auto", "1")
    # What a detached gc leaves when writers add objects while it runs; plain
    # `git gc --auto` then refuses to run for gc.logExpiry (a day).
    (repo / ".git" / "gc.log").write_text(WARNING)
    refused = git(repo, "gc", "--auto")
    assert not _packs(repo), refused
    _seed_loose_objects_in_17(repo, 3)
    coll = collection(repo)
    for n in range(4):
        put_record(coll, f"r{n}")
    _wait_for_gc(repo)
    time.sleep(0.2)
    assert _packs(repo)
    assert len(assert_all_valid(repo)) == 4
    assert_fsck_clean(repo)
