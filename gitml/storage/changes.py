"""What commits changed against chosen parents: pygit2 for a few, ``git diff-tree`` for many.

A pruned tree diff in Python costs about 0.7 ms per commit on a sharded collection
(pygit2 builds an object per tree entry); ``git diff-tree --stdin`` costs about 50 us
per commit, but a process start costs more than a few Python diffs. Both engines give
the same answer: every non-tree entry that differs, with its object id and mode.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence

import pygit2

from gitml.errors import GitmlError
from gitml.storage.repo import GitRepo
from gitml.storage.trees import Leaf, commit_tree, diff_leaves

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
ZERO = "0" * 40

Change = tuple[str, Leaf | None, Leaf | None]
"""(path, old leaf or None, new leaf or None)."""
Request = tuple[str, Sequence[str]]
"""(commit, the parents to compare it with; none: compare with the empty tree)."""


def commit_changes(repo: GitRepo, requests: Sequence[Request]) -> list[list[list[Change]]]:
    """``out[i][j]``: the changes of commit ``i`` against its ``j``-th requested parent."""
    if len(requests) < BULK_MIN:
        return [_in_process(repo.raw, commit, parents) for commit, parents in requests]
    return _diff_tree(repo, requests)


def _in_process(raw: pygit2.Repository, commit: str, parents: Sequence[str]) -> list[list[Change]]:
    tree = commit_tree(raw, pygit2.Oid(hex=commit))
    if not parents:
        return [list(diff_leaves(raw, None, tree))]
    return [list(diff_leaves(raw, commit_tree(raw, pygit2.Oid(hex=p)), tree)) for p in parents]


def _diff_tree(repo: GitRepo, requests: Sequence[Request]) -> list[list[list[Change]]]:
    lines = "".join(" ".join((commit, *parents)) + "\n" for commit, parents in requests)
    proc = subprocess.run(
        ["git", "--git-dir", str(repo.commondir), *DIFF_TREE],
        input=lines.encode(),
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitmlError(f"`git diff-tree` failed: {detail[-1] if detail else proc.returncode}")
    diffs: list[list[Change]] = []
    fields = proc.stdout.split(b"\0")
    pos = 0
    while pos < len(fields) and fields[pos]:
        if not fields[pos].startswith(b":"):  # a commit header opens the next diff
            diffs.append([])
            pos += 1
            continue
        meta = fields[pos][1:].split()
        path = fields[pos + 1].decode("utf-8", "surrogateescape")
        diffs[-1].append((path, _leaf(meta[0], meta[2]), _leaf(meta[1], meta[3])))
        pos += 2
    out: list[list[list[Change]]] = []
    start = 0
    for _commit, parents in requests:
        count = max(1, len(parents))
        out.append(diffs[start : start + count])
        start += count
    return out


def _leaf(mode: bytes, sha: bytes) -> Leaf | None:
    if sha == ZERO.encode():
        return None
    return pygit2.Oid(hex=sha.decode()), int(mode, 8)
