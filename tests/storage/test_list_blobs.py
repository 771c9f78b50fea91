"""A rebuild's one-process listing of a tip's blobs matches the tree walk it replaces."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gitml.storage import trees
from gitml.storage.collection import Collection
from gitml.storage.git import GitFailed
from gitml.storage.repo import open_repo
from gitml.storage.trees import commit_tree, diff_trees, list_blobs, listed_blob_batches
from tests.storage.helpers import collection, put_record
from tests.support.core import git


def _mktree(repo: Path, listing: str) -> str:
    proc = subprocess.run(
        ["git", "mktree"], cwd=repo, input=listing, capture_output=True, text=True, check=True
    )
    return proc.stdout.strip()


def _with_extra(repo_dir: Path, coll: Collection, entries: str) -> str:
    """A commit of the collection's tip tree plus a folder ``extra`` of ``entries``
    (``git mktree`` lines)."""
    tree = git(repo_dir, "rev-parse", f"{coll.tip()}^{{tree}}").strip()
    extra = _mktree(repo_dir, entries)
    top = _mktree(repo_dir, git(repo_dir, "ls-tree", tree) + f"040000 tree {extra}\textra\n")
    return git(repo_dir, "commit-tree", top, "-m", "with a gitlink").strip()


def test_list_blobs_equals_the_walk_from_the_empty_tree(repo_with_commit: Path) -> None:
    repo_dir = repo_with_commit
    coll = collection(repo_dir)
    for n in range(40):
        put_record(coll, f"r{n:03d}")
    head = git(repo_dir, "rev-parse", "HEAD").strip()
    # A gitlink holds nothing readable: both leave it out, even one whose name reads like
    # a blob entry.
    fake = f"x 100644 blob {head}\tfake.toml"
    commit = _with_extra(
        repo_dir, coll, f"160000 commit {head}\tmodule\n160000 commit {head}\t{fake}\n"
    )
    repo = open_repo(repo_dir)
    new_tree = commit_tree(repo.odb, commit)
    walked = sorted((path, new) for path, _old, new in diff_trees(repo.odb, None, new_tree))
    listed = sorted(list_blobs(repo.commondir, commit))
    assert listed == walked
    assert len(listed) == 41  # 40 records and layout.toml
    assert not [path for path, _oid in listed if "fake" in path]


def test_the_streamed_listing_in_small_batches_equals_the_whole_one(
    repo_with_commit: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo_dir = repo_with_commit
    coll = collection(repo_dir)
    for n in range(30):
        put_record(coll, f"r{n:03d}")
    head = git(repo_dir, "rev-parse", "HEAD").strip()
    readme = git(repo_dir, "rev-parse", "HEAD:README.md").strip()
    fake = f"x 100644 blob {head}\tfake.toml"  # a gitlink whose name reads like an entry
    commit = _with_extra(
        repo_dir, coll, f"160000 commit {head}\t{fake}\n100644 blob {readme}\tnamé.toml\n"
    )
    repo = open_repo(repo_dir)
    whole = list_blobs(repo.commondir, commit)
    monkeypatch.setattr(trees, "LISTING_BATCH", 50)  # entries straddle every read
    batches = list(listed_blob_batches(repo.commondir, commit))
    assert len(batches) > 10
    assert [(path, oid) for batch in batches for oid, path in batch] == whole
    assert len(whole) == 32  # 30 records, layout.toml and extra/namé.toml
    with pytest.raises(GitFailed, match="ls-tree"):
        list(listed_blob_batches(repo.commondir, "f" * 40))
