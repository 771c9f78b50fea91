"""Which queued runs this clone added: the only ones ``queue start`` runs unasked.

An entry's command is whatever its author wrote, and entries arrive by ``git ml pull``
from anyone who can push. ``queue add`` notes each entry it writes in
``.git/gitml/queue/added/`` (local state that no fetch brings or changes); the runner
takes other entries only when the user asks with ``--include-pulled``.
"""

from __future__ import annotations

from pathlib import Path

from gitml.storage.repo import GitRepo

ADDED = "queue/added"


def _mark(repo: GitRepo, entry_id: str) -> Path:
    return repo.state_dir / ADDED / entry_id


def note_added(repo: GitRepo, entry_id: str) -> None:
    """Remember that this clone added ``entry_id``."""
    path = _mark(repo, entry_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()


def added_here(repo: GitRepo, entry_id: str) -> bool:
    """Whether this clone added ``entry_id`` (rather than a pull bringing it)."""
    return _mark(repo, entry_id).is_file()
