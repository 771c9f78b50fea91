"""A rebuild's one-process listing of a tip's blobs matches the tree walk it replaces."""

from __future__ import annotations

import subprocess
from pathlib import Path

from gitml.storage.repo import open_repo
from gitml.storage.trees import commit_tree, diff_trees, list_blobs
from tests.storage.helpers import collection, put_record
from tests.support.core import git


def _mktree(repo: Path, listing: str) -> str:
    proc = subprocess.run(
        ["git", "mktree"], cwd=repo, input=listing, capture_output=True, text=True, check=True
    )
    return proc.stdout.strip()


def test_list_blobs_equals_the_walk_from_the_empty_tree(repo_with_commit: Path) -> None:
    repo_dir = repo_with_commit
    coll = collection(repo_dir)
    for n in range(40):
        put_record(coll, f"r{n:03d}")
    head = git(repo_dir, "rev-parse", "HEAD").strip()
    tree = git(repo_dir, "rev-parse", f"{coll.tip()}^{{tree}}").strip()
    # A gitlink holds nothing readable: both leave it out, even one whose name reads like
    # a blob entry.
    fake = f"x 100644 blob {head}\tfake.toml"
    extra = _mktree(repo_dir, f"160000 commit {head}\tmodule\n160000 commit {head}\t{fake}\n")
    top = _mktree(repo_dir, git(repo_dir, "ls-tree", tree) + f"040000 tree {extra}\textra\n")
    commit = git(repo_dir, "commit-tree", top, "-m", "with a gitlink").strip()
    repo = open_repo(repo_dir)
    new_tree = commit_tree(repo.odb, commit)
    walked = sorted((path, new) for path, _old, new in diff_trees(repo.odb, None, new_tree))
    listed = sorted(list_blobs(repo.commondir, commit))
    assert listed == walked
    assert len(listed) == 41  # 40 records and layout.toml
    assert not [path for path, _oid in listed if "fake" in path]
