"""The code a run records: its checkpoint, and what an override or a sweep changes in it.

``code.dirty`` has one meaning everywhere: the user's work tree differed from HEAD. A
``-S`` override is a param, not a code change, so the params files gitml rewrites for a
run go into its checkpoint commit without making it dirty, and a sweep member run in a
temporary worktree keeps the user's tree facts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from gitml.storage.repo import GitRepo
from gitml.storage.worktree import (
    Checkpoint,
    DiffStat,
    LeftOutFile,
    checkpoint_with_files,
    diffstat,
)

if TYPE_CHECKING:
    from pathlib import Path


def with_overrides(
    repo: GitRepo,
    code: Checkpoint,
    *,
    cwd: Path,
    new_texts: Mapping[str, str],
    run_id: str,
    diffstat_later: bool = False,
) -> Checkpoint:
    """``code`` (the tree as the user left it) plus the params files, relative to ``cwd``,
    that ``-S`` rewrote; ``dirty`` stays ``code``'s (``diffstat_later``: see
    ``Checkpoint.settled``)."""
    if not new_texts:
        return code

    files = {
        (cwd / rel).relative_to(repo.workdir).as_posix(): text.encode("utf-8")
        for rel, text in new_texts.items()
    }
    return checkpoint_with_files(
        repo,
        code,
        files,
        message=f"gitml checkpoint for run {run_id} (params overridden)",
        diffstat_later=diffstat_later,
    )


def rebase_code(repo: GitRepo, base: Checkpoint, member: Checkpoint) -> Checkpoint:
    """A member checkpointed in its own worktree: the user's HEAD and tree facts from
    ``base``, the member's checkpoint commit."""
    return base._replace(
        checkpoint=member.checkpoint, diffstat=diffstat(repo, base.commit, member.checkpoint)
    )


def checkpoint_of(table: Mapping[str, Any]) -> Checkpoint:
    """A record's ``code`` table as the Checkpoint it was made from."""
    stat = table.get("diffstat") or {}
    return Checkpoint(
        commit=str(table["commit"]),
        checkpoint=str(table["checkpoint"]),
        branch=table.get("branch"),
        dirty=bool(table.get("dirty")),
        untracked=tuple(table.get("untracked") or ()),
        modified=tuple(table.get("modified") or ()),
        skipped=tuple(LeftOutFile(s["path"], s["reason"]) for s in table.get("skipped") or ()),
        diffstat=DiffStat(
            stat.get("files", 0), stat.get("insertions", 0), stat.get("deletions", 0)
        ),
    )
