"""Datasets a run's checkpoint tracks but the run recorded no version of.

Data is ignored by git, so a rerun's worktree holds the checkpoint's pointers and none of
the data files. Recorded inputs are put back by ``gitml.rerun.inputs``; a dataset the run
did not record (``-i`` named others, or the run predates recording them) gets the
version its checkpoint's pointer names, from the cache or the data remote, with a
warning, so the rerun can start, and the dry run can say beforehand whether it will.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from gitml.config import load_settings
from gitml.data.checkout import checkout
from gitml.data.revs import pointers_at
from gitml.data.workspace import open_workspace
from gitml.errors import GitmlError, InvalidRecord
from gitml.storage.repo import GitRepo

if TYPE_CHECKING:
    from gitml.records.shapes import RunRecord


def unrecorded_datasets(repo: GitRepo, doc: RunRecord) -> dict[str, str]:
    """``{dataset: manifest digest}`` the checkpoint's pointers name for datasets the run
    recorded no input of."""

    checkpoint = doc["code"]["checkpoint"]
    if not checkpoint:
        return {}
    pointer_dir = load_settings(repo.workdir).pointer_dir.rstrip("/")
    try:
        pointers = pointers_at(repo.workdir, checkpoint, pointer_dir)
    except (GitmlError, InvalidRecord):
        return {}
    recorded = doc.get("inputs") or {}
    return {
        name: str(p.manifest)
        for name, p in sorted(pointers.items())
        if name not in recorded and p.path not in recorded
    }


def note(digest: str) -> str:
    """How the dry run describes where such a dataset comes from."""
    return f"not recorded by the run; the checkpoint's pointer names {digest}"


def restore_unrecorded(root: Path, doc: RunRecord, names: Mapping[str, str]) -> list[str]:
    """Put the checkpoint's version of each dataset in ``names`` under ``root`` (a rerun's
    worktree); returns the warnings to show."""
    if not names:
        return []

    try:
        checkout(open_workspace(root), sorted(names), missing_only=True)
    except GitmlError as exc:
        raise GitmlError(
            f"run {doc['id']} recorded no version of dataset(s) {', '.join(sorted(names))}, "
            f"and the version its checkpoint's pointers name cannot be restored: {exc}"
        ) from None
    return [
        f"dataset '{name}': run {doc['id']} recorded no version of it; the rerun used the "
        f"version its checkpoint's pointer names ({digest})"
        for name, digest in sorted(names.items())
    ]
