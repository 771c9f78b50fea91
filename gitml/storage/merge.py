"""Three-way union merge of two versions of a collection ref.

Records are immutable and distinct writers add distinct paths, so merging is a union;
the same path with different bytes is a real conflict and stops the merge unchanged.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import pygit2

from gitml.errors import GitmlError, MergeConflict, RefConflict
from gitml.storage import housekeeping, refs
from gitml.storage.collection import object_write_failed
from gitml.storage.refs import backoff, clear_stale_lock, read_ref, update_ref
from gitml.storage.repo import GitRepo
from gitml.storage.trees import apply_changes, commit_tree, diff_trees

Resolver = Callable[[str, bytes, bytes], bytes]


@dataclass(frozen=True)
class MergeResult:
    ref: str
    outcome: str  # "up-to-date" | "created" | "fast-forward" | "merged"
    added: int
    tip: str | None


def count_new_paths(raw: pygit2.Repository, old: pygit2.Oid | None, new: pygit2.Oid) -> int:
    """How many blobs ``new`` adds or changes relative to ``old``."""
    old_tree = commit_tree(raw, old) if old is not None else None
    changes = diff_trees(raw, old_tree, commit_tree(raw, new))
    return sum(1 for _path, _before, after in changes if after is not None)


def merge_into(
    repo: GitRepo,
    ref: str,
    theirs: pygit2.Oid | str,
    *,
    theirs_name: str,
    message: str,
    resolve: Resolver | None = None,
) -> MergeResult:
    """Merge commit ``theirs`` into local ``ref`` (fast-forward when possible), by CAS.

    The result is the union of both trees. A path both sides changed differently is a
    MergeConflict naming both blobs, and nothing is written, unless ``resolve`` is given:
    it gets (path, ours, theirs) bytes (``b""`` for a side that deleted the path) and
    returns the merged bytes.
    """
    raw = repo.raw
    signature = repo.signature()
    if isinstance(theirs, str):
        theirs = pygit2.Oid(hex=theirs)
    if not repo.has_commit(theirs):
        raise GitmlError(
            f"{theirs_name} ({theirs}) is not a commit in {repo.gitdir}; fetch it first"
        )
    deadline = time.monotonic() + refs.RETRY_SECONDS
    attempt = 0
    object_failures = 0
    while True:
        ours = read_ref(repo, ref)
        try:
            if ours is None:
                update_ref(repo, ref, theirs, None, message)
                return MergeResult(ref, "created", count_new_paths(raw, None, theirs), str(theirs))
            if ours == theirs or raw.descendant_of(ours, theirs):
                return MergeResult(ref, "up-to-date", 0, str(ours))
            if raw.descendant_of(theirs, ours):
                update_ref(repo, ref, theirs, ours, message)
                return MergeResult(
                    ref, "fast-forward", count_new_paths(raw, ours, theirs), str(theirs)
                )
            try:
                base = raw.merge_base(ours, theirs)
                tree = _merged_tree(raw, ref, base, ours, theirs, theirs_name, resolve)
                commit = raw.create_commit(
                    None, signature, signature, message, tree, [ours, theirs]
                )
            except (OSError, pygit2.GitError) as exc:
                object_failures = object_write_failed(repo, exc, object_failures)
                continue
            update_ref(repo, ref, commit, ours, message)
            housekeeping.note_write(repo)
            return MergeResult(ref, "merged", count_new_paths(raw, ours, commit), str(commit))
        except RefConflict:
            if time.monotonic() > deadline:
                raise RefConflict(
                    f"{ref}: could not merge {theirs_name}: the ref kept moving or stayed "
                    "locked; try again"
                ) from None
            clear_stale_lock(repo, ref)
            backoff(attempt)
            attempt += 1


def _merged_tree(
    raw: pygit2.Repository,
    ref: str,
    base: pygit2.Oid | None,
    ours: pygit2.Oid,
    theirs: pygit2.Oid,
    theirs_name: str,
    resolve: Resolver | None,
) -> pygit2.Oid:
    index = raw.merge_trees(
        commit_tree(raw, base), commit_tree(raw, ours), commit_tree(raw, theirs)
    )
    conflicts = list(index.conflicts) if index.conflicts is not None else []
    if not conflicts:
        return index.write_tree(raw)
    resolved: dict[str, pygit2.Oid | None] = {}
    for ancestor, mine, other in conflicts:
        path = (mine or other or ancestor).path
        if resolve is None:
            mine_id = mine.id if mine is not None else "(deleted)"
            other_id = other.id if other is not None else "(deleted)"
            raise MergeConflict(
                f"{ref}:{path} differs between local ({mine_id}) and {theirs_name} ({other_id}); "
                f"nothing was changed; compare them with `git diff {mine_id} {other_id}`"
            )
        mine_data = raw[mine.id].peel(pygit2.Blob).data if mine is not None else b""
        other_data = raw[other.id].peel(pygit2.Blob).data if other is not None else b""
        resolved[path] = raw.create_blob(resolve(path, mine_data, other_data))
    for path in resolved:
        del index.conflicts[path]
    tree = raw[index.write_tree(raw)]
    assert isinstance(tree, pygit2.Tree)
    return apply_changes(raw, tree, resolved)
