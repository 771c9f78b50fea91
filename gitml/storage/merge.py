"""Three-way union merge of two versions of a collection ref.

Records are immutable and distinct writers add distinct paths, so merging is a union;
the same path with different bytes is a real conflict and stops the merge unchanged.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gitml.errors import GitmlError, MergeConflict, RefConflict
from gitml.storage import housekeeping, refs
from gitml.storage.changes import count_added
from gitml.storage.collection import object_write_failed
from gitml.storage.history import is_ancestor, merge_base
from gitml.storage.odb import EMPTY_TREE, ObjectWriteError
from gitml.storage.refs import backoff, clear_stale_lock, read_ref, update_ref
from gitml.storage.repo import GitRepo
from gitml.storage.trees import apply_changes

if TYPE_CHECKING:
    import pygit2

Resolver = Callable[[str, bytes, bytes], bytes]


@dataclass(frozen=True)
class MergeResult:
    ref: str
    outcome: str  # "up-to-date" | "created" | "fast-forward" | "merged"
    added: int
    tip: str | None


def merge_into(
    repo: GitRepo,
    ref: str,
    theirs: object,
    *,
    theirs_name: str,
    message: str,
    resolve: Resolver | None = None,
) -> MergeResult:
    """Merge commit ``theirs`` into local ``ref`` (fast-forward when possible), by CAS.

    The result is the union of both trees. A path both sides changed differently is a
    MergeConflict naming both blobs, and nothing is written, unless ``resolve`` is given:
    it gets (path, ours, theirs) bytes (``b""`` for a side that deleted the path) and
    returns the merged bytes. The three-way tree merge is libgit2's, loaded here only.
    """
    odb = repo.odb
    signature = repo.signature()
    theirs = str(theirs)
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
                return MergeResult(
                    ref=ref, outcome="created", added=count_added(repo, None, theirs), tip=theirs
                )
            if ours == theirs or is_ancestor(repo, theirs, ours):
                return MergeResult(ref=ref, outcome="up-to-date", added=0, tip=ours)
            if is_ancestor(repo, ours, theirs):
                update_ref(repo, ref, theirs, ours, message)
                return MergeResult(
                    ref=ref,
                    outcome="fast-forward",
                    added=count_added(repo, ours, theirs),
                    tip=theirs,
                )
            import pygit2

            try:
                base = merge_base(repo, ours, theirs)
                tree = _merged_tree(repo, ref, base, ours, theirs, theirs_name, resolve)
                commit = odb.write_commit(
                    tree, [ours, theirs], message, author=signature, committer=signature
                )
            except (OSError, ObjectWriteError, pygit2.GitError) as exc:
                object_failures = object_write_failed(repo, exc, object_failures)
                continue
            update_ref(repo, ref, commit, ours, message)
            housekeeping.note_write(repo)
            return MergeResult(
                ref=ref, outcome="merged", added=count_added(repo, ours, commit), tip=commit
            )
        except RefConflict:
            if time.monotonic() > deadline:
                raise RefConflict(
                    f"{ref}: could not merge {theirs_name}: the ref kept moving or stayed "
                    "locked; try again"
                ) from None
            clear_stale_lock(repo, ref)
            backoff(attempt)
            attempt += 1


def _libgit2_tree(raw: pygit2.Repository, commit: str | None) -> pygit2.Tree:
    import pygit2

    return raw[commit or EMPTY_TREE].peel(pygit2.Tree)


def _merged_tree(
    repo: GitRepo,
    ref: str,
    base: str | None,
    ours: str,
    theirs: str,
    theirs_name: str,
    resolve: Resolver | None,
) -> str:
    raw, odb = repo.raw, repo.odb
    index = raw.merge_trees(
        _libgit2_tree(raw, base), _libgit2_tree(raw, ours), _libgit2_tree(raw, theirs)
    )
    conflicts = list(index.conflicts) if index.conflicts is not None else []
    if not conflicts:
        return str(index.write_tree(raw))
    resolved: dict[str, str | None] = {}
    for ancestor, mine, other in conflicts:
        path = (mine or other or ancestor).path
        if resolve is None:
            mine_id = mine.id if mine is not None else "(deleted)"
            other_id = other.id if other is not None else "(deleted)"
            raise MergeConflict(
                f"{ref}:{path} differs between local ({mine_id}) and {theirs_name} ({other_id}); "
                f"nothing was changed; compare them with `git diff {mine_id} {other_id}`"
            )
        mine_data = odb.blob(str(mine.id)) if mine is not None else b""
        other_data = odb.blob(str(other.id)) if other is not None else b""
        resolved[path] = odb.write_blob(resolve(path, mine_data, other_data))
    for path in resolved:
        del index.conflicts[path]
    return apply_changes(odb, odb.tree(str(index.write_tree(raw))), resolved)
