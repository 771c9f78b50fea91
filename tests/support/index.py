"""Counting the openings of the query index (each costs a connection, its lock and set-up)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from gitml.storage.index import Index


def count_openings(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The path of each index connection opened from now on, in order."""
    opened: list[Path] = []
    real_open = Index._open

    def counted(self: Index) -> sqlite3.Connection:
        opened.append(self.path)
        return real_open(self)

    monkeypatch.setattr(Index, "_open", counted)
    return opened
