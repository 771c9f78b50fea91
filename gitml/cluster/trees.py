"""The worktree a Ray worker process runs its members in: one per process, reused.

Ray keeps a worker process for many tasks, so each process checks every member's commit
out in a worktree of its own (``reset_worktree``: exactly the commit's files, nothing a
member before it wrote or changed) instead of adding and removing a worktree per member,
which writes and deletes every file of the checkout and registers it each time. The
worktree is named by the process's owner tag (``gitml.objects.leftovers``: PID, host and
start time, so a reused PID is told apart), under the node repository's folder. A
process that died (killed with its member) leaves its worktree behind: the next member
on the node removes it. A worktree that cannot be reset (a member left what git cannot
delete) is replaced by a new one.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gitml.errors import GitmlError
from gitml.objects.leftovers import owner_tag, tag_gone
from gitml.storage.repo import GitRepo
from gitml.storage.worktree import add_worktree, remove_worktree, reset_worktree

TREES = "trees"
ATTEMPTS = 3

_busy = threading.Lock()  # Ray runs one task at a time in a process; a second gets its own
_replaced = 0  # worktrees of this process replaced so far (each new one has a new name)


def trees_dir(node: GitRepo) -> Path:
    """Where the node's worker processes keep their worktrees."""
    return node.commondir.parent / TREES


def remove_dead(node: GitRepo) -> list[Path]:
    """Remove the worktrees of processes that have ended; the folders removed."""
    folder = trees_dir(node)
    if not folder.is_dir():
        return []
    removed = []
    for path in sorted(folder.iterdir()):
        if tag_gone(path.name.partition(".")[0]):
            remove_worktree(node, path)
            removed.append(path)
    return removed


def _reused(node: GitRepo, commit: str) -> Path:
    """This process's worktree, holding exactly ``commit`` (made or replaced as needed)."""
    global _replaced
    problem = ""
    for _ in range(ATTEMPTS):
        path = trees_dir(node) / (owner_tag() + (f".{_replaced}" if _replaced else ""))
        try:
            if path.exists():
                reset_worktree(node, path, commit)
            else:
                add_worktree(node, path, commit)
            return path
        except GitmlError as exc:
            problem = str(exc)
            remove_worktree(node, path)
            _replaced += 1
    raise GitmlError(f"cannot check out {commit} in a worktree of {node.commondir}: {problem}")


@contextmanager
def member_tree(node: GitRepo, commit: str) -> Iterator[Path]:
    """A worktree of ``node`` that holds exactly ``commit`` while one member runs in it."""
    trees_dir(node).mkdir(exist_ok=True)
    remove_dead(node)
    if _busy.acquire(blocking=False):
        try:
            yield _reused(node, commit)
        finally:
            _busy.release()
        return
    path = trees_dir(node) / f"{owner_tag()}.{threading.get_ident()}"
    add_worktree(node, path, commit)
    try:
        yield path
    finally:
        remove_worktree(node, path)
