"""Reading many objects in one round trip never deadlocks on the pipes to git."""

from __future__ import annotations

import threading
from pathlib import Path

from gitml.storage.repo import open_repo
from tests.support.core import git


def test_a_batch_larger_than_the_pipes_is_read_whole(repo_with_commit: Path) -> None:
    tree = git(repo_with_commit, "rev-parse", "HEAD^{tree}").strip()
    commit = git(repo_with_commit, "rev-parse", "HEAD").strip()
    # About 250 KiB of requests and more of answers: both pipes would fill if every
    # request were written before the first answer is read.
    names = [tree, commit] * 3000
    odb = open_repo(repo_with_commit).odb
    got: list[object] = []
    reader = threading.Thread(target=lambda: got.extend(odb.reader.read_all(names)), daemon=True)
    reader.start()
    reader.join(timeout=60)
    assert not reader.is_alive(), "read_all stalled on a large batch"
    assert len(got) == len(names)
    assert [o.oid for o in got[:2]] == [tree, commit]  # type: ignore[attr-defined]
    assert {o.kind for o in got} == {"tree", "commit"}  # type: ignore[attr-defined]
