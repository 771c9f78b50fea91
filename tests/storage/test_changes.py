"""Both engines of ``commit_changes`` (in-process tree diffs and ``git diff-tree``) agree."""

from __future__ import annotations

from pathlib import Path

from gitml.storage.changes import _diff_tree, _in_process, commit_changes
from gitml.storage.repo import open_repo
from tests.integrity.forge import GITLINK, SYMLINK, blob, forge_commit
from tests.support.core import git


def test_engines_agree_on_adds_edits_deletes_merges_and_odd_entries(repo_with_commit: Path) -> None:
    repo = repo_with_commit
    head = git(repo, "rev-parse", "HEAD").strip()
    root = forge_commit(repo, None, add={"a/1.toml": "x = 1\n", "b.toml": "y = 2\n"})
    second = forge_commit(repo, root, add={"a/2.toml": "x = 2\n", "b.toml": "y = 3\n"})
    third = forge_commit(
        repo,
        second,
        remove=["a/1.toml"],
        entries={"g": (GITLINK, head), "l": (SYMLINK, blob(repo, "target"))},
    )
    side = forge_commit(repo, root, add={"c/3.toml": "z = 3\n"})
    merge = forge_commit(repo, third, add={"c/3.toml": "z = 3\n"}, parents=[third, side])
    retyped = forge_commit(repo, merge, remove=["b.toml"], add={"b.toml/inner": "w\n"})
    requests = [
        (root, []),
        (second, [root]),
        (third, [second]),
        (merge, [third, side]),
        (retyped, [merge]),
    ]
    grepo = open_repo(repo)
    fast = [_in_process(grepo, commit, parents) for commit, parents in requests]
    bulk = _diff_tree(grepo, requests)
    assert [[sorted(d) for d in diffs] for diffs in fast] == [
        [sorted(d) for d in diffs] for diffs in bulk
    ]
    assert [len(diffs) for diffs in bulk] == [1, 1, 1, 2, 1]
    assert {path for path, _a, _b in bulk[2][0]} == {"a/1.toml", "g", "l"}
    assert commit_changes(grepo, requests) == fast
