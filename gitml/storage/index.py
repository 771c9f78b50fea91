"""A derived SQLite index of collection records under ``.git/gitml/``.

The index is keyed by each collection's ref tip and updated incrementally from the tree
diff between the indexed tip and the current one. It is disposable: deleting it (even
while another process uses it) only costs a rebuild; a corrupt file is rebuilt too.
Concurrent refreshes serialise on SQLite's write lock and re-check the tip inside it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pygit2

from gitml.errors import InvalidRecord
from gitml.records import codec
from gitml.records.schema import validate_record
from gitml.storage.collection import LAYOUT_PATH, Collection
from gitml.storage.trees import commit_tree

INDEX_FILE = "index.sqlite"
SCHEMA_VERSION = 1

Parser = Callable[[str, bytes], dict[str, Any] | None]

_DDL = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tips(ref TEXT PRIMARY KEY, tip TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records(
    ref TEXT NOT NULL, path TEXT NOT NULL, id TEXT NOT NULL, kind TEXT,
    doc TEXT, error TEXT, PRIMARY KEY(ref, path)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS records_id ON records(ref, id);
"""


def parse_record(path: str, data: bytes) -> dict[str, Any] | None:
    """Default parser: every ``*.toml`` but ``layout.toml`` is a record, validated."""
    if not path.endswith(".toml") or path.rsplit("/", 1)[-1] == LAYOUT_PATH:
        return None
    doc = codec.loads(data, where=path)
    validate_record(doc, where=path)
    return doc


@dataclass(frozen=True)
class Row:
    id: str
    path: str
    doc: dict[str, Any]


class Index:
    """The query index of one repository."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None

    @classmethod
    def for_collection(cls, collection: Collection) -> Index:
        return cls(collection.repo.state_dir / INDEX_FILE)

    def connect(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = self._open()
        return self._conn

    def _open(self) -> sqlite3.Connection:
        for _ in range(2):
            conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.executescript(_DDL)
                row = conn.execute("SELECT value FROM meta WHERE key='version'").fetchone()
                if row is None:
                    conn.execute(
                        "INSERT OR IGNORE INTO meta VALUES('version', ?)", (str(SCHEMA_VERSION),)
                    )
                elif row[0] != str(SCHEMA_VERSION):
                    raise sqlite3.DatabaseError("index schema version changed")
                return conn
            except sqlite3.DatabaseError:
                conn.close()
                self.drop()
        raise InvalidRecord(f"{self.path}: cannot create the query index; is .git writable?")

    def drop(self) -> None:
        """Delete the index files (they are rebuilt on demand)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        for suffix in ("", "-wal", "-shm"):
            with suppress(FileNotFoundError):
                Path(f"{self.path}{suffix}").unlink()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def indexed_tip(self, ref: str) -> str | None:
        row = self.connect().execute("SELECT tip FROM tips WHERE ref=?", (ref,)).fetchone()
        return str(row[0]) if row else None

    def refresh(self, collection: Collection, parse: Parser = parse_record) -> None:
        """Bring the rows of ``collection`` up to its current tip."""
        tip = collection.tip()
        tip_hex = str(tip) if tip is not None else ""
        if self.indexed_tip(collection.ref) == tip_hex:
            return
        conn = self.connect()
        conn.execute("BEGIN IMMEDIATE")
        try:
            old_hex = self.indexed_tip(collection.ref)
            if old_hex != tip_hex:
                self._apply(conn, collection, old_hex, tip, parse)
                conn.execute("INSERT OR REPLACE INTO tips VALUES(?, ?)", (collection.ref, tip_hex))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _apply(
        self,
        conn: sqlite3.Connection,
        collection: Collection,
        old_hex: str | None,
        tip: pygit2.Oid | None,
        parse: Parser,
    ) -> None:
        raw = collection.repo.raw
        ref = collection.ref
        old: pygit2.Oid | None = None
        if old_hex:
            with suppress(ValueError, KeyError):
                candidate = pygit2.Oid(hex=old_hex)
                if tip is not None and candidate in raw and raw.descendant_of(tip, candidate):
                    old = candidate
        if old is None:
            conn.execute("DELETE FROM records WHERE ref=?", (ref,))
        if tip is None:
            return
        diff = commit_tree(raw, old).diff_to_tree(commit_tree(raw, tip))
        upserts: list[tuple[str, str, str, str | None, str | None, str | None]] = []
        deletes: list[tuple[str, str]] = []
        for delta in diff.deltas:
            status = delta.status_char()
            if status == "D":
                deletes.append((ref, delta.old_file.path))
                continue
            path = delta.new_file.path
            blob = raw[delta.new_file.id]
            assert isinstance(blob, pygit2.Blob)
            try:
                doc = parse(path, blob.data)
            except InvalidRecord as exc:
                upserts.append((ref, path, _stem(path), None, None, str(exc)))
                continue
            if doc is None:
                continue
            kind = str(doc.get("schema", ""))
            upserts.append((ref, path, _stem(path), kind, json.dumps(codec.to_jsonable(doc)), None))
        conn.executemany("DELETE FROM records WHERE ref=? AND path=?", deletes)
        conn.executemany("INSERT OR REPLACE INTO records VALUES(?, ?, ?, ?, ?, ?)", upserts)

    def rows(
        self,
        collection: Collection,
        where: str = "1",
        params: Sequence[Any] = (),
        order_by: str = "id DESC",
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Row]:
        """Valid records of ``collection`` matching an SQL condition over ``doc``."""
        self.refresh(collection)
        sql = f"SELECT id, path, doc FROM records WHERE ref=? AND error IS NULL AND ({where}) ORDER BY {order_by}"
        args: list[Any] = [collection.ref, *params]
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            args += [limit, offset]
        return [Row(r[0], r[1], json.loads(r[2])) for r in self.connect().execute(sql, args)]

    def count(self, collection: Collection, where: str = "1", params: Sequence[Any] = ()) -> int:
        self.refresh(collection)
        sql = f"SELECT count(*) FROM records WHERE ref=? AND error IS NULL AND ({where})"
        return int(self.connect().execute(sql, [collection.ref, *params]).fetchone()[0])

    def ids_with_prefix(self, collection: Collection, prefix: str, limit: int = 20) -> list[str]:
        self.refresh(collection)
        cur = self.connect().execute(
            "SELECT id FROM records WHERE ref=? AND id >= ? AND id < ? ORDER BY id LIMIT ?",
            (collection.ref, prefix, prefix + "\U0010ffff", limit),
        )
        return [str(r[0]) for r in cur]

    def errors(self, collection: Collection) -> Iterator[tuple[str, str]]:
        """(path, message) of every record that failed to parse or validate."""
        self.refresh(collection)
        cur = self.connect().execute(
            "SELECT path, error FROM records WHERE ref=? AND error IS NOT NULL ORDER BY path",
            (collection.ref,),
        )
        for path, error in cur:
            yield str(path), str(error)


def _stem(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return name.removesuffix(".toml")


def open_index(collection: Collection) -> Index:
    return Index.for_collection(collection)


def drop_index(state_dir: Path) -> None:
    with closing(Index(state_dir / INDEX_FILE)) as index:
        index.drop()
