"""Counting the openings of the query index (each costs a connection, its lock and set-up),
and checking the columns it derives from documents."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from gitml.storage import INDEX_FILE
from gitml.storage.index import DOC_COLUMNS, Index


def count_openings(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The path of each index connection opened from now on, in order."""
    opened: list[Path] = []
    real_open = Index._open

    def counted(self: Index) -> sqlite3.Connection:
        opened.append(self.path)
        return real_open(self)

    monkeypatch.setattr(Index, "_open", counted)
    return opened


def columns_disagreeing(state_dir: Path) -> list[tuple[object, ...]]:
    """Rows of the repository's index file whose ``DOC_COLUMNS`` differ from what their
    documents say (``rows_disagreeing``)."""
    with closing(sqlite3.connect(state_dir / INDEX_FILE)) as conn:
        return rows_disagreeing(conn)


def rows_disagreeing(conn: sqlite3.Connection) -> list[tuple[object, ...]]:
    """Ids of the rows whose ``DOC_COLUMNS`` differ from what their documents say (the
    index must hold some documents)."""
    differs = " OR ".join(
        f"{column} IS NOT json_extract(doc, '{path}')" for column, path in DOC_COLUMNS
    )
    assert conn.execute("SELECT count(*) FROM records WHERE doc IS NOT NULL").fetchone()[0]
    return conn.execute(f"SELECT id FROM records WHERE {differs}").fetchall()
