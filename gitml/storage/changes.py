"""What commits changed against chosen parents: trees in-process for a few, ``git diff-tree`` for many.

A pruned tree diff in Python costs a tree read per changed level and commit; ``git
diff-tree --stdin`` costs about 50 us per commit once its process has started, which a
few in-process diffs do not make worth it. Both engines give the same answer: every
non-tree entry that differs, with its object id and mode.
"""

from __future__ import annotations

from collections.abc import Sequence

from gitml.storage.git import (
    ZERO_OID,
    GitFailed,
    RawChange,
    iter_raw,
    last_line,
    raw_changes,
    run_git,
)
from gitml.storage.odb import MODE_COMMIT
from gitml.storage.repo import GitRepo
from gitml.storage.trees import Leaf, commit_tree, diff_leaves, listed_blob_batches

BULK_MIN = 16
# -m: one diff per listed parent; --always: a header even for an empty diff, so the
# headers count the diffs; --root: a commit listed alone is compared with nothing.
DIFF_TREE = (
    "diff-tree",
    "--stdin",
    "-r",
    "-z",
    "-m",
    "--raw",
    "--no-abbrev",
    "--no-renames",
    "--root",
    "--always",
)

Change = tuple[str, Leaf | None, Leaf | None]
"""(path, old leaf or None, new leaf or None)."""
Request = tuple[str, Sequence[str]]
"""(commit, the parents to compare it with; none: compare with the empty tree)."""


def commit_changes(repo: GitRepo, requests: Sequence[Request]) -> list[list[list[Change]]]:
    """``out[i][j]``: the changes of commit ``i`` against its ``j``-th requested parent."""
    if len(requests) < BULK_MIN:
        return [_in_process(repo, commit, parents) for commit, parents in requests]
    return _diff_tree(repo, requests)


def _in_process(repo: GitRepo, commit: str, parents: Sequence[str]) -> list[list[Change]]:
    odb = repo.odb
    tree = commit_tree(odb, commit)
    if not parents:
        return [list(diff_leaves(odb, None, tree))]
    return [list(diff_leaves(odb, commit_tree(odb, p), tree)) for p in parents]


def _diff_tree(repo: GitRepo, requests: Sequence[Request]) -> list[list[list[Change]]]:
    lines = "".join(" ".join((commit, *parents)) + "\n" for commit, parents in requests)
    proc = run_git(repo.workdir_or_gitdir, *DIFF_TREE, input=lines.encode())
    if proc.returncode != 0:
        raise GitFailed(f"`git diff-tree` failed: {last_line(proc.stderr)}")
    diffs: list[list[Change]] = []
    for item in iter_raw(proc.stdout):
        if not isinstance(item, RawChange):  # a commit header opens the next diff
            diffs.append([])
            continue
        diffs[-1].append(
            (item.path, _leaf(item.old_oid, item.old_mode), _leaf(item.new_oid, item.new_mode))
        )
    out: list[list[list[Change]]] = []
    start = 0
    for _commit, parents in requests:
        count = max(1, len(parents))
        out.append(diffs[start : start + count])
        start += count
    return out


def _leaf(oid: str, mode: str) -> Leaf | None:
    return None if oid == ZERO_OID else (oid, mode)


def count_added(repo: GitRepo, old: str | None, new: str) -> int:
    """How many blobs commit ``new`` adds or changes against commit ``old`` (None: every
    blob of ``new``), gitlinks left out as ``trees.diff_trees`` leaves them.

    One git process whatever the size: a streamed ``git ls-tree -r`` for a whole tree, a
    ``git diff-tree -r`` otherwise; a pull that brings a million records must not read
    their trees one at a time.
    """
    if old is None:
        return sum(len(batch) for batch in listed_blob_batches(repo.commondir, new))
    diff = ("diff-tree", "-r", "-z", "--raw", "--no-abbrev", "--no-renames", old, new)
    proc = run_git(repo.workdir_or_gitdir, *diff)
    if proc.returncode != 0:
        raise GitFailed(f"`git diff-tree {old[:12]} {new[:12]}` failed: {last_line(proc.stderr)}")
    return sum(
        1
        for change in raw_changes(proc.stdout)
        if change.new_oid != ZERO_OID and change.new_mode != MODE_COMMIT
    )
