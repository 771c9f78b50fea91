"""A derived SQLite index of collection records under ``.git/gitml/``.

The index is keyed by each collection's ref tip and updated incrementally from the tree
diff between the indexed tip and the current one (a rebuild reads blobs in bulk). It is
disposable: deleting it (even while another process uses it) only costs a rebuild; a
corrupt file is rebuilt too.
Concurrent refreshes serialise on SQLite's write lock and re-check the tip inside it.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager, suppress
from functools import partial
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from gitml.errors import GitmlError, InvalidRecord
from gitml.records import codec
from gitml.records.limits import check_size
from gitml.storage import INDEX_FILE, INDEX_SCHEMA_VERSION, INDEX_USERS_SUFFIX
from gitml.storage.blobs import read_blobs
from gitml.storage.collection import LAYOUT_PATH, Collection
from gitml.storage.filelock import exclusive, hold_shared, try_exclusive
from gitml.storage.odb import Tree
from gitml.storage.repo import GitRepo, path_identity
from gitml.storage.trees import commit_tree, diff_trees, list_blobs
from gitml.units import time_ms_sql

if TYPE_CHECKING:
    from gitml.records.codec import Doc
    from gitml.storage.tally import Tally

Parser = Callable[[str, bytes], "Doc | None"]
_T = TypeVar("_T")
BUSY_SECONDS = 30.0
BIG_CHANGE = 10_000
PAGE_SIZE = 16_384
STATISTICS_GROWTH = 2
WALK_STEPS = 100_000
"""SQLite steps ``rows_along``/``rows_newest`` may take before they leave a query to the
row-selecting plan."""
PROGRESS_EVERY = 1_000
ANALYSIS_LIMIT = 400

FIELD_ROOTS = ("params", "metrics", "tags")
"""The document tables whose scalar entries the ``fields`` table holds, one row each."""
FIELD_ATTRIBUTES = ("status", "started", "ended", "duration_s", "exit_code")
"""The top-level attributes the ``fields`` table holds too, under their own name: the ones
runs are filtered and sorted by most, each a short value (two rows of about 40 bytes)."""
FIELD_TIMES = ("started", "ended")
"""Attributes held as the time they spell: milliseconds since 1970 with ``t`` = 4."""
TIME_ROW = 4
DOC_COLUMNS = (("name", "$.name"), ("branch", "$.code.branch"), ("parent", "$.parent"))
"""Columns of ``records`` SQLite copies from each document as it inserts the row (column,
JSON path; NULL where the document has no such member), so a lookup or filter on one reads
no document: completion lists names, and collections index and filter by them."""
DOC_FIELDS = tuple((path.removeprefix("$."), f"records.{column}") for column, path in DOC_COLUMNS)
"""(query field, column) of each of ``DOC_COLUMNS``: a run query reads the column, which holds
text or nothing, as the run schema has these members."""
_DOC_COLUMN_NAMES = ", ".join(column for column, _path in DOC_COLUMNS)
_DOC_COLUMN_TYPES = ", ".join(f"{column} TEXT" for column, _path in DOC_COLUMNS)


def _doc_values(doc: str) -> str:
    """The values of ``DOC_COLUMNS`` as SQL, for the document the expression ``doc`` gives
    (SQLite parses it once for all of them within a statement)."""
    return ", ".join(f"json_extract({doc}, '{path}')" for _column, path in DOC_COLUMNS)


BRANCH_INDEX = "CREATE INDEX IF NOT EXISTS records_branch ON records(ref, branch, id)"
"""Records of one branch in the order of ids (``DOC_COLUMNS``' copy of ``code.branch``),
for a query on a branch of few records among many; made with the ``fields`` table
(``Index.fill_fields``: the first query that reads it, or the background fill), not by a
load, which a listing waits for."""

FIELDS_TABLE = "fields"
FIELD_KEYS_TABLE = "field_keys"
RECORD_ROW = "records.rid"

NAME_INDEX = (
    "CREATE INDEX IF NOT EXISTS records_name ON records(ref, kind, name) WHERE error IS NULL"
)
"""Record names by kind, which completion reads (``storage.peek``). A load into a new file
leaves it out, as it leaves ``fields``: a listing does not read it, and the first query or
lookup that could (``Index.fill_fields``, the run lookups) makes it."""

QUERY_INDEXES = (BRANCH_INDEX, NAME_INDEX)
"""The indexes ``Index.fill_fields`` makes once the ``fields`` table is complete."""

# ``rid`` is an explicit INTEGER PRIMARY KEY so the ``rec`` of a field row keeps naming
# its record through VACUUM. ``fields`` holds each params, metrics and tags entry of every
# valid record: its key (``field_keys``: "params.lr"), the value json_extract() gives, and
# ``t`` (0: a number or text, typeof(value) tells; 1: a boolean; 2: an object; 3: an
# array), ordered by (key, value) so a filter or sort on it reads a range, not every doc.
# It also holds the FIELD_ATTRIBUTES of each record ("status"); those of FIELD_TIMES as
# the time an ISO-8601 text spells (``t`` 4, value: milliseconds as julianday() reads it)
# so a time comparison reads a range too; other values of them are held as they are.
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tips(ref TEXT PRIMARY KEY, tip TEXT NOT NULL, seq INTEGER);
CREATE TABLE IF NOT EXISTS records(
    rid INTEGER PRIMARY KEY, ref TEXT NOT NULL, path TEXT NOT NULL, id TEXT NOT NULL,
    kind TEXT, {_DOC_COLUMN_TYPES},
    doc TEXT, error TEXT, seq INTEGER NOT NULL, blob BLOB);
CREATE UNIQUE INDEX IF NOT EXISTS records_path ON records(ref, path);
CREATE INDEX IF NOT EXISTS records_id ON records(ref, id);
CREATE INDEX IF NOT EXISTS records_error ON records(ref) WHERE error IS NOT NULL;
{NAME_INDEX};
CREATE TABLE IF NOT EXISTS field_keys(id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS fields(
    key INTEGER NOT NULL, value NOT NULL, rec INTEGER NOT NULL, t INTEGER NOT NULL,
    PRIMARY KEY(key, value, rec)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS fields_rec ON fields(rec, key, value, t);
"""


# Each valid record's entries of FIELD_ROOTS and its FIELD_ATTRIBUTES, for the records
# after row ``?1`` up to row ``?2``: one parse of each document, then of each of its few
# small tables.
# They go to a temporary table, from which the new key names and then the field rows
# (in the table's own order) are inserted.
def _quoted(names: Sequence[str]) -> str:
    return ", ".join(f"'{name}'" for name in names)


_ENTRIES = (
    "SELECT iif(e.key IS NULL, top.key, top.key || '.' || e.key) AS path, "
    "iif(e.key IS NULL, top.value, e.value) AS value, "
    "iif(e.key IS NULL, top.type, e.type) AS type, r.rid AS rec, "
    f"iif(e.key IS NULL AND top.key IN ({_quoted(FIELD_TIMES)}) AND top.type = 'text', "
    f"{time_ms_sql('top.value')}, NULL) AS ms "
    "FROM records r, json_each(r.doc) top LEFT JOIN json_each(iif("
    f"top.key IN ({_quoted(FIELD_ROOTS)}) AND top.type = 'object', top.value, NULL)) e "
    "WHERE r.rid > ?1 AND r.rid <= ?2 AND r.doc IS NOT NULL AND (e.type != 'null' OR "
    f"(e.key IS NULL AND top.key IN ({_quoted(FIELD_ATTRIBUTES)}) AND top.type != 'null'))"
)
_COLLECT_FIELDS = (
    "CREATE TEMP TABLE new_fields AS SELECT path, coalesce(ms, value) AS value, rec, "
    f"CASE WHEN ms IS NOT NULL THEN {TIME_ROW} WHEN type IN ('true', 'false') THEN 1 "
    "WHEN type = 'object' THEN 2 WHEN type = 'array' THEN 3 ELSE 0 END AS t "
    f"FROM ({_ENTRIES})"
)
_ADD_KEYS = "INSERT OR IGNORE INTO field_keys(path) SELECT DISTINCT path FROM temp.new_fields"
_ADD_FIELDS = (
    "INSERT OR IGNORE INTO fields(key, value, rec, t) SELECT k.id, n.value, n.rec, n.t "
    "FROM temp.new_fields n JOIN field_keys k ON k.path = n.path ORDER BY 1, 2, 3"
)
FIELDS_PENDING = "fields-pending"
"""The ``meta`` key saying ``fields`` is not complete; its value is the record id up to
which it is (every valid record with ``rid`` at most that has its rows, the others may
not). A load into a new file leaves it at 0, a refresh that adds more than
``DEFER_FIELDS`` records at the largest id before them; ``Index.fill_fields`` moves it
on a chunk of records at a time and removes it at the end."""
FILL_CHUNK = 20_000
"""Records whose fields ``Index.fill_fields`` collects in one write transaction (memory
stays bounded, and a writer waits for one chunk at most)."""
DEFER_FIELDS = 10_000
"""A refresh adding more records than this leaves their fields to ``Index.fill_fields``
(a first query, or the background fill ``storage.fields_warm`` starts)."""
MAX_ROW = 2**63 - 1
_LOAD_NAME = re.compile(r"\.load-[0-9]+-[0-9]+")
"""The suffix of a new index file a load builds (``built_file``), without its companions."""
LISTING_CACHE_KIB = 16_384
"""SQLite's page cache for the listing a load is checked against (``_listed``): a longer
listing spills to the scratch file, so memory stays bounded whatever the number of runs."""
BULK_CACHE_KIB = 65_536
"""SQLite's page cache while a snapshot loads (the default 2 MiB makes the index b-trees
spill to the WAL over and over)."""


def is_record_path(path: str) -> bool:
    """Whether the default parser reads ``path`` as a record: every ``*.toml`` but
    ``layout.toml``."""
    return path.endswith(".toml") and path.rsplit("/", 1)[-1] != LAYOUT_PATH


def record_path_sql(path: str) -> str:
    """``is_record_path`` as an SQL condition on the expression ``path`` (GLOB, unlike
    LIKE, is case-sensitive)."""
    return (
        f"{path} GLOB '*.toml' AND {path} != '{LAYOUT_PATH}' AND {path} NOT GLOB '*/{LAYOUT_PATH}'"
    )


class RowsMismatch(GitmlError):
    """Rows being seeded do not name exactly the record blobs listed; says the first
    difference found."""


def parse_record(path: str, data: bytes) -> Doc | None:
    """Default parser: every ``*.toml`` but ``layout.toml`` is a record, validated."""
    if not is_record_path(path):
        return None
    from gitml.records.schema import validate_record  # only a refresh parses records

    check_size(path, len(data))
    doc = codec.loads(data, where=path)
    try:
        validate_record(doc, where=path)
    except InvalidRecord as exc:
        message = str(exc)
        raise InvalidRecord(message if message.startswith(path) else f"{path}: {message}") from None
    return doc


class IndexRow(NamedTuple):
    """One stored row: a record's path and blob id, its place in the ref's commit order,
    and what parsing it gave (kind and JSON text, or the error)."""

    path: str
    blob: str
    seq: int
    kind: str | None
    doc: str | None
    error: str | None


class RowColumns:
    """Rows of one collection column by column, as an index snapshot holds them: loaded
    with no Python work per row. ``doc`` is ``""`` where the row is an error."""

    __slots__ = ("blob", "doc", "error", "kind", "path", "seq")

    def __init__(
        self,
        *,
        path: list[str],
        blob: list[str],
        seq: list[int],
        kind: list[str | None],
        doc: list[str],
        error: list[str | None],
    ) -> None:
        self.path = path
        self.blob = blob
        self.seq = seq
        self.kind = kind
        self.doc = doc
        self.error = error

    def __len__(self) -> int:
        return len(self.path)

    def rows(self) -> list[IndexRow]:
        return [
            IndexRow(path=path, blob=blob, seq=seq, kind=kind, doc=doc or None, error=error)
            for path, blob, seq, kind, doc, error in zip(
                self.path, self.blob, self.seq, self.kind, self.doc, self.error, strict=True
            )
        ]

    @classmethod
    def of(cls, rows: Sequence[IndexRow]) -> RowColumns:
        return cls(
            path=[r.path for r in rows],
            blob=[r.blob for r in rows],
            seq=[r.seq for r in rows],
            kind=[r.kind for r in rows],
            doc=[r.doc or "" for r in rows],
            error=[r.error for r in rows],
        )

    def extend(self, other: RowColumns) -> None:
        self.path.extend(other.path)
        self.blob.extend(other.blob)
        self.seq.extend(other.seq)
        self.kind.extend(other.kind)
        self.doc.extend(other.doc)
        self.error.extend(other.error)


class RowExport:
    """The rows of one collection as one read of the index holds them (``Index.exporting``),
    in (``seq``, path) order a batch at a time, so a snapshot is written one segment at a
    time whatever the number of runs.

    Rows a base snapshot already holds are set aside by record id: ``note`` adds some to
    a candidate set, ``adopt`` makes the candidate set the kept one (``forget`` empties the
    candidate set), and ``batches(skip_kept=True)`` leaves the kept rows out.
    """

    TABLES = ("export_order", "export_candidate", "export_kept")
    """Its temporary tables: the row ids in export order, the candidate and kept sets."""

    def __init__(self, conn: sqlite3.Connection, ref: str) -> None:
        self._conn = conn
        self.ref = ref
        for table in self.TABLES:
            conn.execute(f"DROP TABLE IF EXISTS temp.{table}")
        conn.execute(
            "CREATE TEMP TABLE export_order AS SELECT rid FROM records WHERE ref = ? "
            "ORDER BY seq, path",
            (ref,),
        )
        conn.execute("CREATE TEMP TABLE export_candidate(rid INTEGER PRIMARY KEY)")
        conn.execute("CREATE TEMP TABLE export_kept(rid INTEGER PRIMARY KEY)")
        self.tip = _indexed_tip(conn, ref) or None
        (count,) = conn.execute("SELECT count(*) FROM temp.export_order").fetchone()
        self.count = int(count)

    def matching(self, paths: Sequence[str]) -> dict[str, tuple[int, IndexRow]]:
        """path -> (record id, row) of the rows of these paths the index holds."""
        cur = self._conn.execute(
            "SELECT rid, path, blob, seq, kind, doc, error FROM records "
            "WHERE ref = ? AND path IN (SELECT value FROM json_each(?))",
            (self.ref, json.dumps(list(paths))),
        )
        return {
            path: (rid, _exported(path, blob, seq, kind, doc, error))
            for rid, path, blob, seq, kind, doc, error in cur
        }

    def note(self, rids: Iterable[int]) -> None:
        """Add rows to the candidate set."""
        self._conn.executemany(
            "INSERT OR IGNORE INTO temp.export_candidate VALUES(?)", ((rid,) for rid in rids)
        )

    def adopt(self) -> None:
        """Make the candidate set the kept set, and empty the candidate set."""
        self._conn.execute("DELETE FROM temp.export_kept")
        self._conn.execute("INSERT INTO temp.export_kept SELECT rid FROM temp.export_candidate")
        self.forget()

    def forget(self) -> None:
        """Empty the candidate set."""
        self._conn.execute("DELETE FROM temp.export_candidate")

    def kept(self) -> int:
        """How many rows the kept set holds."""
        (count,) = self._conn.execute("SELECT count(*) FROM temp.export_kept").fetchone()
        return int(count)

    def batches(self, size: int, *, skip_kept: bool) -> Iterator[list[IndexRow]]:
        """The rows in (``seq``, path) order, ``size`` at a time (the kept ones left out
        with ``skip_kept``)."""
        skip = "WHERE o.rid NOT IN temp.export_kept " if skip_kept else ""
        cur = self._conn.execute(
            "SELECT r.path, r.blob, r.seq, r.kind, r.doc, r.error FROM temp.export_order o "
            f"JOIN records r ON r.rid = o.rid {skip}ORDER BY o.rowid"
        )
        while chunk := cur.fetchmany(size):
            yield [_exported(*row) for row in chunk]


def _exported(
    path: str, blob: bytes | None, seq: int, kind: str | None, doc: str | None, error: str | None
) -> IndexRow:
    return IndexRow(
        path=path, blob=bytes(blob).hex() if blob else "", seq=seq, kind=kind, doc=doc, error=error
    )


class Row(NamedTuple):
    id: str
    path: str
    doc: Doc


class Index:
    """The query index of one repository."""

    def __init__(self, path: Path, parse: Parser = parse_record) -> None:
        self.path = path
        self.parse = parse
        self._conn: sqlite3.Connection | None = None
        self._inode: tuple[int, int] | None = None
        self._users: int | None = None

    @classmethod
    def for_collection(cls, collection: Collection, parse: Parser = parse_record) -> Index:
        """The repository's index, reading records of ``collection`` with ``parse``."""
        return cls(collection.repo.state_dir / INDEX_FILE, parse)

    def connect(self) -> sqlite3.Connection:
        """The open connection; reopened when the file was deleted or replaced meanwhile."""
        if self._conn is not None and path_identity(self.path) != self._inode:
            self.close()
        if self._conn is None:
            self._conn = self._open()
            self._inode = path_identity(self.path)
        return self._conn

    def _open(self) -> sqlite3.Connection:
        # Held while the connection is open: a load swaps a new file in only when no
        # connection has the old one (or its -wal/-shm) open.
        self._users = hold_shared(users_lock(self.path))
        try:
            conn = sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level=None)
        except BaseException:
            self._release_users()
            raise
        try:
            conn.execute("PRAGMA synchronous=NORMAL")
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
            tables = conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='records'"
            ).fetchone()[0]
            if mode != "wal" or not tables:
                # Processes that find a new file set it up one at a time: concurrent schema
                # changes on a fresh WAL database can fail without waiting for each other.
                with exclusive(Path(f"{self.path}.init")):
                    # Rows are about 1.5 KB: 4 KB pages held two and left a quarter empty.
                    # (Takes effect on a new, empty file only.)
                    conn.execute(f"PRAGMA page_size={PAGE_SIZE}")
                    conn.execute("PRAGMA journal_mode=WAL")
                    conn.executescript(SCHEMA)
                    conn.execute(
                        "INSERT OR IGNORE INTO meta VALUES('version', ?)",
                        (str(INDEX_SCHEMA_VERSION),),
                    )
            row = conn.execute("SELECT value FROM meta WHERE key='version'").fetchone()
            if row is None or row[0] != str(INDEX_SCHEMA_VERSION):
                raise sqlite3.DatabaseError("index schema version changed")
        except BaseException:
            conn.close()
            self._release_users()
            raise
        return conn

    def _release_users(self) -> None:
        if self._users is not None:
            os.close(self._users)
            self._users = None

    def drop(self) -> None:
        """Delete the index files (they are rebuilt on demand)."""
        self.close()
        _unlink_database(self.path)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
            self._inode = None
        self._release_users()

    def run(self, op: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run ``op`` on the connection the way every index operation runs."""
        return self._run(op)

    def _run(self, op: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run ``op``, waiting out busy moments; a corrupt file is deleted and rebuilt once."""
        deadline = time.monotonic() + BUSY_SECONDS
        rebuilt = False
        attempt = 0
        while True:
            try:
                return op(self.connect())
            except sqlite3.DatabaseError as exc:
                if _is_corrupt(exc) and not rebuilt:
                    rebuilt = True
                    self.drop()
                    continue
                code = _code(exc)
                if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                    # Some busy states (WAL recovery, a stale read snapshot) are reported
                    # without waiting; retrying the whole operation is what helps.
                    if time.monotonic() < deadline:
                        attempt += 1
                        time.sleep(min(0.1, 0.002 * attempt))
                        continue
                    raise GitmlError(
                        f"{self.path}: the query index stayed locked by another process "
                        f"({exc}); try again"
                    ) from None
                if _is_corrupt(exc) or code in _ENVIRONMENT_ERRORS:
                    raise GitmlError(
                        f"{self.path}: cannot use the query index ({exc}); check that .git is "
                        "writable and has free space, or delete the file"
                    ) from None
                raise

    def indexed_tip(self, ref: str) -> str | None:
        return self._run(lambda conn: _indexed_tip(conn, ref))

    def refresh(self, collection: Collection, parse: Parser | None = None) -> None:
        """Bring the rows of ``collection`` up to its current tip."""
        self._run(lambda conn: self._refresh(conn, collection, parse or self.parse))

    def _refresh(self, conn: sqlite3.Connection, collection: Collection, parse: Parser) -> None:
        tip = collection.tip()
        tip_hex = str(tip) if tip is not None else ""
        if _indexed_tip(conn, collection.ref) == tip_hex:
            return
        with _writing(conn):
            old_hex = _indexed_tip(conn, collection.ref)
            touched = 0
            if old_hex != tip_hex:
                touched, top = self._apply(conn, collection, old_hex, tip, parse)
                conn.execute(
                    "INSERT OR REPLACE INTO tips(ref, tip, seq) VALUES(?, ?, ?)",
                    (collection.ref, tip_hex, top),
                )
        _checkpoint(conn, touched)

    def _apply(
        self,
        conn: sqlite3.Connection,
        collection: Collection,
        old_hex: str | None,
        tip: str | None,
        parse: Parser,
    ) -> tuple[int, int | None]:
        """Update the rows of ``collection`` from ``old_hex`` to ``tip``; rows touched, and
        the largest ``seq`` of its rows after (None where a deletion leaves it unknown)."""
        odb = collection.repo.odb
        ref = collection.ref
        if tip is None:
            return _delete_ref(conn, ref), None
        new_tree = commit_tree(odb, tip)
        old_tree: Tree | None = None
        if old_hex:
            # The rows hold exactly the old tip's tree, so the tree diff is the update even
            # when the ref was rewound or replaced; only a vanished old commit forces a rebuild.
            with suppress(KeyError):
                old_tree = commit_tree(odb, old_hex)
        if old_tree is None:
            _delete_ref(conn, ref)
        top = 0 if old_tree is None else _kept_seq(conn, ref)
        changed: list[tuple[str, str]] = []
        deletes: list[tuple[str, str]] = []
        # A rebuild lists the tip's blobs with one git process instead of reading every
        # tree (65,536 leaves of a deep layout) one round trip at a time.
        listed = (
            diff_trees(odb, old_tree, new_tree)
            if old_tree is not None
            else ((path, None, oid) for path, oid in list_blobs(collection.repo.commondir, tip))
        )
        for path, _old, new in listed:
            if new is None:
                deletes.append((ref, _storable(path)))
            else:
                changed.append((path, new))
        upserts: list[IndexRow] = []
        blobs = read_blobs(collection.repo, [oid for _path, oid in changed])
        items = [(path, data) for (path, _oid), (_same, data) in zip(changed, blobs, strict=True)]
        blob_of = dict(changed)
        parsed_items: list[tuple[str, str | None, str | None, str | None]] = []
        for path, parsed in zip((p for p, _ in items), parse_many(parse, items), strict=True):
            if parsed is None:
                deletes.append((ref, _storable(path)))
            elif _storable(path) != path:
                parsed_items.append((path, parsed[0], None, f"{_storable(path)}: {NOT_UTF8}"))
            else:
                parsed_items.append((path, *parsed))
        if parsed_items:
            ages = _ages(collection.repo, tip, old_hex, {item[0] for item in parsed_items})
            oldest = max(ages.values(), default=0) + 1
            base = (top if top is not None else _max_seq(conn, ref)) + 1
            for path, kind, text, error in parsed_items:
                seq = base + oldest - ages.get(path, oldest)
                upserts.append(
                    IndexRow(
                        path=_storable(path),
                        blob=blob_of[path],
                        seq=seq,
                        kind=kind,
                        doc=text,
                        error=error,
                    )
                )
            top = max(row.seq for row in upserts)
        deleted = _delete_paths(conn, deletes)
        insert_rows(conn, ref, upserts)
        # A deleted row may have held the largest: counted again by the next update.
        return len(deletes) + len(upserts), None if deleted else top

    def seed(
        self,
        ref: str,
        tip: str,
        rows: RowColumns | Iterable[RowColumns],
        *,
        listing: Iterable[Sequence[tuple[str, str]]] | None = None,
        indexes: Sequence[str] = (),
    ) -> bool:
        """Fill the rows of ``ref`` from ``rows`` (the records of commit ``tip``; one batch
        or batches loaded one after another) while the index holds none for it; False when
        another process got there first. ``indexes``: more ``CREATE INDEX`` statements the
        caller wants, made with the rows' own.

        ``listing``: (blob id, path) of every blob of ``tip``, in batches, read on a
        thread of its own while the rows go in; the rows must name exactly its record
        blobs, else RowsMismatch (found by ``Tally``, which does not say where; an exact
        comparison that does is ``match_listing``). A document SQLite cannot read as JSON
        raises sqlite3.DatabaseError (a path twice, sqlite3.IntegrityError). Either way,
        and when a batch fails to arrive, the index is left as it was.

        An index that holds nothing yet is not written in place: the rows go into a new
        file with no journal (``built_file``; its ``fields`` left to the first query that
        needs them), which replaces it once complete when no connection has it open, and
        is copied into it otherwise.
        """
        from gitml.storage.ahead import Background  # only a load reads a listing

        batches = [rows] if isinstance(rows, RowColumns) else rows
        listed = None if listing is None else Background(partial(_listing_tally, listing))
        expected = None if listed is None else listed.result
        try:
            if self._run(_is_blank):
                with built_file(
                    self.path, ref, tip, batches, expected=expected, indexes=indexes
                ) as built:
                    return self._swap_in(built, ref)

            def op(conn: sqlite3.Connection) -> int | None:
                with _bulk_cache(conn), _loading(conn, ref) as wanted:
                    if not wanted:
                        return None
                    count, top = _bulk_insert(conn, ref, batches, expected=expected)
                    conn.execute(
                        "INSERT OR REPLACE INTO tips(ref, tip, seq) VALUES(?, ?, ?)",
                        (ref, tip, top),
                    )
                for ddl in indexes:
                    conn.execute(ddl)
                _checkpoint(conn, count)
                return count

            return self._run(op) is not None
        finally:
            if listed is not None:
                listed.cancel()

    def _swap_in(self, built: Path, ref: str) -> bool:
        """Put the complete index file ``built`` (rows of ``ref`` alone) in place of this
        one; False when this one holds rows of ``ref`` by now.

        Renaming it over the old file is safe only while no connection has that file (or
        its ``-wal`` and ``-shm``, which SQLite finds by name) open: every connection holds
        a shared lock on ``users_lock``, so an exclusive one means none does. When some
        process holds the index open, or it holds another collection by now, the rows are
        copied in by SQL instead.
        """
        self.close()
        with try_exclusive(users_lock(self.path)) as alone:
            # (Windows has no flock here, and cannot rename over an open file.)
            if alone and sys.platform != "win32" and _file_is_blank(self.path):
                for suffix in ("-wal", "-shm"):
                    with suppress(FileNotFoundError):
                        Path(f"{self.path}{suffix}").unlink()
                built.replace(self.path)
                return True
        return self._run(lambda conn: _copy_in(conn, built, ref))

    def ensure_indexes(self, indexes: Sequence[str]) -> None:
        """Make these ``CREATE INDEX IF NOT EXISTS`` statements' indexes, and give the planner
        statistics for any made now."""

        def op(conn: sqlite3.Connection) -> None:
            count = "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
            (before,) = conn.execute(count).fetchone()
            for ddl in indexes:
                conn.execute(ddl)
            if conn.execute(count).fetchone()[0] != before:
                _keep_statistics(conn)

        self._run(op)

    def fill_fields(self, *, chunk: int = FILL_CHUNK, pause: float = 0.0) -> int:
        """Complete the ``fields`` table, which a first load leaves empty (a listing does
        not need it), before a query that reads it; records filled by this call.

        One write transaction per ``chunk`` records, so writers wait one chunk at most,
        and each moves ``FIELDS_PENDING`` on: processes filling at once share the work, and
        one that stops midway loses nothing. ``pause``: seconds to sleep between chunks,
        long enough for a writer polling for the lock to take it. Then the
        ``QUERY_INDEXES`` a load leaves out.
        """
        filled = 0
        while True:
            done = self._run(partial(_fill_chunk, chunk=chunk))
            if done is None:
                self.ensure_indexes(QUERY_INDEXES)
                return filled
            filled += done
            if pause:
                time.sleep(pause)

    def fields_pending(self) -> bool:
        """Whether ``fields`` is not complete yet (``fill_fields`` has work)."""
        return self._run(_fields_pending)

    @contextmanager
    def exporting(self, collection: Collection) -> Iterator[RowExport]:
        """For the block, the rows of ``collection`` brought up to date, as one read of the
        index holds them (a read transaction: writers go on meanwhile), read a batch at a
        time (``RowExport``)."""
        self.refresh(collection)
        conn = self.connect()
        conn.execute("BEGIN")
        try:
            yield RowExport(conn, collection.ref)
        finally:
            with suppress(sqlite3.Error):
                conn.execute("COMMIT")
            for table in RowExport.TABLES:
                with suppress(sqlite3.Error):
                    conn.execute(f"DROP TABLE IF EXISTS temp.{table}")

    def rows(
        self,
        collection: Collection,
        where: str = "1",
        params: Sequence[Any] = (),
        order_by: str = "id DESC",
        limit: int | None = None,
        offset: int = 0,
        kind: str | None = None,
    ) -> list[Row]:
        """Valid records of ``collection`` (of one ``kind``) matching an SQL condition over ``doc``.

        A page (``limit``) is chosen by record id first and its documents read after, in
        the same read transaction: SQLite would otherwise carry the document of every row
        it sorts to choose the page.
        """
        columns = "id, path, doc" if limit is None else "rid"
        sql = (
            # ``+kind``: the kind filter never picks the index; the condition's own indexes
            # (a name, a parent) and the order do.
            f"SELECT {columns} FROM records WHERE ref=? AND error IS NULL AND +kind GLOB ? "
            f"AND ({where}) ORDER BY {order_by}"
        )
        args: list[Any] = [collection.ref, kind or "*", *params]
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            args += [limit, offset]

        def op(conn: sqlite3.Connection) -> list[Row]:
            self._refresh(conn, collection, self.parse)
            if limit is None:
                return [Row(r[0], r[1], json.loads(r[2])) for r in conn.execute(sql, args)]
            with _read(conn):
                return _page(conn, [rid for (rid,) in conn.execute(sql, args)])

        return self._run(op)

    def rows_along(
        self,
        collection: Collection,
        field: str,
        *,
        descending: bool,
        where: str,
        params: Sequence[Any],
        limit: int,
        offset: int = 0,
        kind: str | None = None,
        time: bool = False,
    ) -> list[Row] | None:
        """A page of the valid records matching ``where`` in the order of their ``field``
        entry (``metrics.acc``), those without one after, ties newest id first; None when
        answering it this way passed ``WALK_STEPS``.

        It walks the (key, value) order of ``fields`` and stops at the page, so it reads
        about ``limit`` / (the share of runs matching) records; ``where`` should test each
        row (a probing ``FieldTable``). A selective filter makes that walk long, and the
        caller's query that selects the matching rows first is the one to run instead.
        A ``time`` field orders by the times it holds; its other values count as missing.
        """
        base = f"records.ref=? AND records.error IS NULL AND +records.kind GLOB ? AND ({where})"
        entry = f"s.key = (SELECT id FROM {FIELD_KEYS_TABLE} WHERE path = ?)"
        if time:
            entry += f" AND s.t = {TIME_ROW}"
        columns = "records.rid"  # the page's documents are read once it is chosen (``_page``)
        present = (
            f"SELECT {columns} FROM {FIELDS_TABLE} AS s JOIN records ON records.rid = s.rec "
            f"WHERE {entry} AND {base} "
            f"ORDER BY s.value {'DESC' if descending else 'ASC'}, records.id DESC LIMIT ? OFFSET ?"
        )
        counted = (
            f"SELECT count(*) FROM {FIELDS_TABLE} AS s JOIN records ON records.rid = s.rec "
            f"WHERE {entry} AND {base}"
        )
        missing = (
            f"SELECT {columns} FROM records WHERE {base} AND NOT EXISTS (SELECT 1 FROM "
            f"{FIELDS_TABLE} AS s WHERE s.rec = records.rid AND {entry}) "
            "ORDER BY records.id DESC LIMIT ? OFFSET ?"
        )
        scope = [collection.ref, kind or "*", *params]

        def walk(conn: sqlite3.Connection) -> list[Any]:
            found = conn.execute(present, [field, *scope, limit, offset]).fetchall()
            if len(found) < limit:
                skip = 0
                if offset:
                    total = conn.execute(counted, [field, *scope]).fetchone()[0]
                    skip = max(0, offset - int(total))
                rest = [*scope, field, limit - len(found), skip]
                found += conn.execute(missing, rest).fetchall()
            return found

        return self._walked(collection, walk)

    def rows_newest(
        self,
        collection: Collection,
        *,
        where: str,
        params: Sequence[Any],
        limit: int,
        offset: int = 0,
        kind: str | None = None,
        branch: str | None = None,
    ) -> list[Row] | None:
        """A page of the valid records matching ``where``, newest id first (as ``rows``
        gives them), found by walking the records in that order and stopping at the page;
        None when that passed ``WALK_STEPS``.

        It reads about ``limit`` / (the share of records matching) records, where ``rows``
        selects every match to sort them: the plan for a filter many records meet. ``where``
        should test each row (a probing ``FieldTable``). For a filter few records (or only
        old ones) meet the walk gives up, and ``rows`` is the query to run instead (also
        the one to read a name index). ``branch``: records of that branch only, walked
        through ``BRANCH_INDEX`` (which must exist), so a branch of few records costs few
        steps however many other branches hold.
        """
        scope, args = _newest_scope(collection.ref, branch)
        sql = (
            f"SELECT rid FROM {scope} AND error IS NULL "
            f"AND +kind GLOB ? AND ({where}) ORDER BY id DESC LIMIT ? OFFSET ?"
        )
        args += [kind or "*", *params, limit, offset]
        return self._walked(collection, lambda conn: conn.execute(sql, args).fetchall())

    def count_upto(
        self,
        collection: Collection,
        cap: int,
        *,
        where: str,
        params: Sequence[Any],
        kind: str | None = None,
    ) -> int | None:
        """How many valid records match ``where`` (a probing condition, as ``rows_newest``
        takes), counting no further than ``cap`` + 1; None when that walk passed
        ``WALK_STEPS`` (few matches: ``count`` with the row-selecting condition is then
        cheap)."""
        scope, args = _newest_scope(collection.ref, None)
        sql = (
            f"SELECT count(*) FROM (SELECT 1 FROM {scope} AND error IS NULL "
            f"AND +kind GLOB ? AND ({where}) ORDER BY id DESC LIMIT ?)"
        )
        args += [kind or "*", *params, cap + 1]
        found = self._walked(
            collection, lambda conn: conn.execute(sql, args).fetchall(), page=False
        )
        return None if found is None else int(found[0][0])

    def _walked(
        self,
        collection: Collection,
        walk: Callable[[sqlite3.Connection], list[Any]],
        *,
        page: bool = True,
    ) -> list[Any] | None:
        """The rows of the record ids ``walk`` selects (one snapshot for all its queries;
        what it selects, without ``page``), or None when it took more than ``WALK_STEPS``
        SQLite steps."""

        def op(conn: sqlite3.Connection) -> list[Row] | None:
            self._refresh(conn, collection, self.parse)
            steps = [0]

            def tick() -> int:
                steps[0] += 1
                return int(steps[0] > WALK_STEPS // PROGRESS_EVERY)

            conn.execute("BEGIN")
            conn.set_progress_handler(tick, PROGRESS_EVERY)
            try:
                found = walk(conn)
                conn.set_progress_handler(None, 0)
                return _page(conn, [rid for (rid,) in found]) if page else found
            except sqlite3.OperationalError as exc:
                if _code(exc) != sqlite3.SQLITE_INTERRUPT:
                    raise
                return None
            finally:
                conn.set_progress_handler(None, 0)
                conn.execute("COMMIT")

        return self._run(op)

    def count(
        self,
        collection: Collection,
        where: str = "1",
        params: Sequence[Any] = (),
        kind: str | None = None,
    ) -> int:
        sql = (
            "SELECT count(*) FROM records WHERE ref=? AND error IS NULL AND kind GLOB ? "
            f"AND ({where})"
        )

        def op(conn: sqlite3.Connection) -> int:
            self._refresh(conn, collection, self.parse)
            return int(conn.execute(sql, [collection.ref, kind or "*", *params]).fetchone()[0])

        return self._run(op)

    def ids_with_prefix(
        self, collection: Collection, prefix: str, limit: int = 20, kind: str | None = None
    ) -> list[str]:
        def op(conn: sqlite3.Connection) -> list[str]:
            self._refresh(conn, collection, self.parse)
            cur = conn.execute(
                "SELECT id FROM records WHERE ref=? AND error IS NULL AND kind GLOB ? "
                "AND id >= ? AND id < ? ORDER BY id LIMIT ?",
                (collection.ref, kind or "*", prefix, prefix + "\U0010ffff", limit),
            )
            return [str(r[0]) for r in cur]

        return self._run(op)

    def errors(self, collection: Collection) -> Iterator[tuple[str, str]]:
        """(path, message) of every record that failed to parse or validate."""

        def op(conn: sqlite3.Connection) -> list[tuple[str, str]]:
            self._refresh(conn, collection, self.parse)
            cur = conn.execute(
                "SELECT path, error FROM records WHERE ref=? AND error IS NOT NULL ORDER BY path",
                (collection.ref,),
            )
            return [(str(path), str(error)) for path, error in cur]

        yield from self._run(op)


def _newest_scope(ref: str, branch: str | None) -> tuple[str, list[Any]]:
    """``records`` of ``ref`` (of ``branch``) in the order of ids, as a FROM clause with its
    WHERE begun, and its parameters."""
    if branch is not None:
        return "records INDEXED BY records_branch WHERE ref=? AND branch=?", [ref, branch]
    # The order of ids whatever the planner's statistics say: without those of another
    # index on ``ref`` (``runs_name``) it may read every run through that one and sort them.
    return "records INDEXED BY records_id WHERE ref=?", [ref]


@contextmanager
def _read(conn: sqlite3.Connection) -> Iterator[None]:
    """One read transaction for the block (its queries see one state of the file), unless
    the connection is in one already."""
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN")
    try:
        yield
    finally:
        conn.execute("COMMIT")


def _page(conn: sqlite3.Connection, rids: Sequence[int]) -> list[Row]:
    """The rows of these record ids, in this order, each document read once."""
    found = {
        rid: Row(id_, path, json.loads(doc))
        for rid, id_, path, doc in conn.execute(
            "SELECT rid, id, path, doc FROM records WHERE rid IN (SELECT value FROM json_each(?))",
            (json.dumps(list(rids)),),
        )
    }
    return [found[rid] for rid in rids]


def _ages(repo: GitRepo, tip: str, old_hex: str | None, wanted: set[str]) -> dict[str, int]:
    """path -> how many first-parent commits back from ``tip`` it was added (0: by the tip).

    This is the ref's own commit order, which a record cannot forge the way it can forge
    the time in its id: a record pulled from elsewhere is older than every record written
    after the pull. The walk goes back in chunks and stops at the previously indexed tip
    or once every path is placed; paths never placed count as oldest.
    """
    from gitml.storage.changes import commit_changes

    odb = repo.odb
    shallow = repo.shallow_commits()  # their parents are not here: the history starts there
    remaining = set(wanted)
    ages: dict[str, int] = {}
    oid: str | None = tip
    age = 0
    chunk = 1
    while oid is not None and remaining and oid != old_hex:
        requests: list[tuple[str, list[str]]] = []
        while oid is not None and oid != old_hex and len(requests) < chunk:
            commit = odb.commit(oid)
            parent = commit.parents[0] if commit.parents and oid not in shallow else None
            requests.append((commit.oid, [parent] if parent is not None else []))
            oid = parent
        for (_sha, _parents), [diff] in zip(requests, commit_changes(repo, requests), strict=True):
            for path, was, now in diff:
                if was is None and now is not None and path in remaining:
                    ages[path] = age
                    remaining.discard(path)
            age += 1
        chunk = min(chunk * 8, 4096)
    return ages


def _checkpoint(conn: sqlite3.Connection, touched: int) -> None:
    """After ``touched`` rows changed: fresh planner statistics when due, and the WAL's
    space back after a big change (it grows as large as what was written)."""
    if touched:
        _keep_statistics(conn)
    if touched > BIG_CHANGE:
        with suppress(sqlite3.Error):
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _fields_pending(conn: sqlite3.Connection) -> bool:
    return _fields_filled(conn) is not None


def _fields_filled(conn: sqlite3.Connection) -> int | None:
    """The record id up to which ``fields`` is complete; None when it is complete."""
    found = conn.execute("SELECT value FROM meta WHERE key = ?", (FIELDS_PENDING,)).fetchone()
    return None if found is None else int(found[0])


def _fill_chunk(conn: sqlite3.Connection, *, chunk: int) -> int | None:
    """In one write transaction, the ``fields`` rows of the next ``chunk`` records past
    ``FIELDS_PENDING``, moving it on (removing it, with fresh planner statistics, past the
    last record); how many record ids it covered, None when nothing was pending."""
    if not _fields_pending(conn):
        return None
    with _bulk_cache(conn), _writing(conn):
        last = _fields_filled(conn)
        if last is None:
            return None
        (top,) = conn.execute("SELECT coalesce(max(rid), 0) FROM records").fetchone()
        upto = last + chunk
        _add_fields(conn, last, upto)
        if upto < top:
            conn.execute("UPDATE meta SET value = ? WHERE key = ?", (str(upto), FIELDS_PENDING))
        else:
            conn.execute("DELETE FROM meta WHERE key IN (?, 'analyzed')", (FIELDS_PENDING,))
    if upto >= top:
        _checkpoint(conn, max(top, 1))
    return max(0, min(upto, int(top)) - last)


def users_lock(path: Path) -> Path:
    """The file every connection to the index at ``path`` holds a shared lock on."""
    return Path(f"{path}{INDEX_USERS_SUFFIX}")


def _is_blank(conn: sqlite3.Connection) -> bool:
    """Whether the index holds no collection and no row at all."""
    found = conn.execute("SELECT 1 FROM tips UNION ALL SELECT 1 FROM records LIMIT 1")
    return found.fetchone() is None


def _file_is_blank(path: Path) -> bool:
    """Whether the index file at ``path`` is missing, unreadable or holds no collection
    (read by a connection of its own, closed before returning)."""
    if not path.exists():
        return True
    try:
        with closing(sqlite3.connect(path, timeout=BUSY_SECONDS, isolation_level=None)) as conn:
            return _is_blank(conn)
    except sqlite3.Error:
        return True


@contextmanager
def built_file(
    target: Path,
    ref: str,
    tip: str,
    batches: Iterable[RowColumns],
    *,
    expected: Callable[[], Tally] | None,
    indexes: Sequence[str],
) -> Iterator[Path]:
    """For the block, a new index file beside ``target`` holding the rows of ``ref`` at
    ``tip`` from ``batches`` (checked against ``expected`` as ``_bulk_insert`` says), their
    indexes and statistics, in WAL mode and on disk; removed afterwards unless the block
    renamed it.

    It is written with no journal and synced to disk before the block (a crash loses only
    this file, which nothing uses yet): each page is written once, where a load in place
    writes it to the WAL and again to the database. The rows are synced on a thread of
    their own while the indexes are built, so the last sync writes little more than the
    indexes. Its ``fields`` table is left empty and marked pending (``FIELDS_PENDING``),
    and ``NAME_INDEX`` is left out: a listing reads neither, and the first query that
    does makes both (``Index.fill_fields``). A file a crashed load left (its lock file not
    held) is removed by the next load.
    """
    for stale in target.parent.glob(f"{target.name}.load-*"):
        if _LOAD_NAME.fullmatch(stale.name.removeprefix(target.name)):
            with try_exclusive(Path(f"{stale}.lock")) as abandoned:
                if abandoned:
                    _unlink_database(stale)
                    Path(f"{stale}.lock").unlink(missing_ok=True)
    path = target.with_name(f"{target.name}.load-{os.getpid()}-{time.monotonic_ns()}")
    lock = Path(f"{path}.lock")
    try:
        with exclusive(lock):
            try:
                _build(path, ref, tip, batches, expected=expected, indexes=indexes)
                yield path
            finally:
                _unlink_database(path)
    finally:
        lock.unlink(missing_ok=True)


def _unlink_database(path: Path) -> None:
    """Remove the SQLite file ``path`` and the ``-wal`` and ``-shm`` beside it, if there."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _build(
    path: Path,
    ref: str,
    tip: str,
    batches: Iterable[RowColumns],
    *,
    expected: Callable[[], Tally] | None,
    indexes: Sequence[str],
) -> None:
    from gitml.storage.ahead import Background  # only a load syncs behind its writes

    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute(f"PRAGMA page_size={PAGE_SIZE}")
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        conn.executescript(SCHEMA)
        conn.execute("INSERT INTO meta VALUES('version', ?)", (str(INDEX_SCHEMA_VERSION),))
        conn.execute(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
        conn.execute("PRAGMA temp_store=MEMORY")
        conn.execute("DROP INDEX records_name")  # made with the fields (``NAME_INDEX``)
        syncing: list[Background[None]] = []
        conn.execute("BEGIN")
        try:
            count, top = _bulk_insert(
                conn,
                ref,
                batches,
                fields=False,
                expected=expected,
                rows_in=lambda: syncing.append(Background(lambda _stop: _sync(path))),
            )
            conn.execute("INSERT INTO tips(ref, tip, seq) VALUES(?, ?, ?)", (ref, tip, top))
            conn.execute("INSERT INTO meta VALUES(?, '0')", (FIELDS_PENDING,))
            for ddl in indexes:
                conn.execute(ddl)
            conn.execute("COMMIT")
            if count:
                _keep_statistics(conn)
            conn.execute("PRAGMA journal_mode=WAL")
            for early in syncing:
                early.result()
        finally:
            for early in syncing:
                early.cancel()
    _sync(path)


def _sync(path: Path) -> None:
    """Write the file at ``path`` through to the disk."""
    with open(path, "rb") as written:
        os.fsync(written.fileno())


@contextmanager
def _writing(conn: sqlite3.Connection) -> Iterator[None]:
    """One write transaction (``BEGIN IMMEDIATE``) for the block: committed after it, rolled
    back when it fails."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        with suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise


@contextmanager
def _loading(conn: sqlite3.Connection, ref: str) -> Iterator[bool]:
    """One write transaction loading the rows of ``ref`` into a file: False, with nothing
    written, when it holds them by now; rolled back when the block fails."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        if _indexed_tip(conn, ref) is not None:
            conn.execute("ROLLBACK")
            yield False
            return
        _delete_ref(conn, ref)
        yield True
        conn.execute("COMMIT")
    except BaseException:
        with suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        raise


def _copy_in(conn: sqlite3.Connection, built: Path, ref: str) -> bool:
    """Copy the rows of ``ref`` and their fields from the index file ``built`` into this
    one, unless it holds rows of ``ref`` by now (False). Record ids are renumbered past
    this file's and key ids matched by name."""
    conn.execute("ATTACH DATABASE ? AS load", (str(built),))
    try:
        with _bulk_cache(conn):
            with _loading(conn, ref) as wanted:
                if not wanted:
                    return False
                (last,) = conn.execute("SELECT coalesce(max(rid), 0) FROM main.records").fetchone()
                deferred = _drop_secondary_indexes(conn) if not last else []
                conn.execute(
                    "INSERT INTO main.records(rid, ref, path, id, kind, doc, error, seq, blob, "
                    f"{_DOC_COLUMN_NAMES}) SELECT rid + ?1, ref, path, id, kind, doc, error, "
                    f"seq, blob, {_DOC_COLUMN_NAMES} FROM load.records ORDER BY rid",
                    (last,),
                )
                conn.execute(
                    "INSERT OR IGNORE INTO main.field_keys(path) SELECT path FROM load.field_keys"
                )
                conn.execute(
                    "INSERT INTO main.fields(key, value, rec, t) "
                    "SELECT k.id, f.value, f.rec + ?1, f.t FROM load.fields f "
                    "JOIN load.field_keys l ON l.id = f.key "
                    "JOIN main.field_keys k ON k.path = l.path ORDER BY 1, 2, 3",
                    (last,),
                )
                conn.execute("INSERT INTO main.tips SELECT * FROM load.tips WHERE ref = ?", (ref,))
                # Complete up to this file's last record at most (less if it was not).
                conn.execute(
                    "INSERT OR IGNORE INTO main.meta SELECT key, ?1 FROM load.meta WHERE key = ?2",
                    (str(last), FIELDS_PENDING),
                )
            for sql in deferred:
                conn.execute(sql)
        (count,) = conn.execute("SELECT count(*) FROM load.records").fetchone()
    finally:
        conn.execute("DETACH DATABASE load")
    _checkpoint(conn, int(count))
    return True


def _keep_statistics(conn: sqlite3.Connection) -> None:
    """Give SQLite's planner fresh table statistics once the records have doubled (or the
    indexes changed) since it last had them.

    Without them it takes ``ref = ?`` for a narrow index lookup and reads every record of
    the ref where a lookup in ``fields`` names the few rows a query needs. A sampled
    ANALYZE (``analysis_limit``) costs milliseconds at any size.
    """
    rows = conn.execute("SELECT coalesce(max(rid), 0) FROM records").fetchone()[0]
    indexes = conn.execute("SELECT count(*) FROM sqlite_master WHERE type='index'").fetchone()[0]
    known = conn.execute("SELECT value FROM meta WHERE key='analyzed'").fetchone()
    if known is not None:
        analyzed_rows, analyzed_indexes = (int(n) for n in known[0].split())
        if rows < STATISTICS_GROWTH * analyzed_rows and indexes == analyzed_indexes:
            return
    conn.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
    conn.execute("ANALYZE")
    conn.execute("INSERT OR REPLACE INTO meta VALUES('analyzed', ?)", (f"{rows} {indexes}",))


def _kept_seq(conn: sqlite3.Connection, ref: str) -> int | None:
    """The largest ``seq`` of the rows of ``ref`` as its ``tips`` row keeps it; None after
    a refresh that deleted rows, which leaves it unknown."""
    kept = conn.execute("SELECT seq FROM tips WHERE ref=?", (ref,)).fetchone()
    return None if kept is None or kept[0] is None else int(kept[0])


def _max_seq(conn: sqlite3.Connection, ref: str) -> int:
    """The largest ``seq`` of the rows of ``ref``: the kept one, else counted over every
    row (which at a million runs reads them all: once after a deletion)."""
    kept = _kept_seq(conn, ref)
    if kept is not None:
        return kept
    row = conn.execute("SELECT max(seq) FROM records WHERE ref=?", (ref,)).fetchone()
    return int(row[0] or 0)


def _delete_ref(conn: sqlite3.Connection, ref: str) -> int:
    """Delete every row of ``ref`` and its fields; how many records went."""
    conn.execute("DELETE FROM fields WHERE rec IN (SELECT rid FROM records WHERE ref=?)", (ref,))
    return int(conn.execute("DELETE FROM records WHERE ref=?", (ref,)).rowcount)


def _delete_paths(conn: sqlite3.Connection, pairs: Sequence[tuple[str, str]]) -> int:
    """Delete the rows of these (ref, path) pairs and their fields; how many rows went."""
    conn.executemany(
        "DELETE FROM fields WHERE rec = (SELECT rid FROM records WHERE ref=? AND path=?)", pairs
    )
    return conn.executemany("DELETE FROM records WHERE ref=? AND path=?", pairs).rowcount


def insert_rows(conn: sqlite3.Connection, ref: str, rows: Sequence[IndexRow]) -> None:
    """Insert (or replace) ``rows`` of ``ref`` in a database of ``SCHEMA``, then the
    fields of the records added (left to ``Index.fill_fields`` when they are more than
    ``DEFER_FIELDS`` or the table is not complete yet)."""
    if conn.execute("SELECT 1 FROM records WHERE ref=? LIMIT 1", (ref,)).fetchone():
        _delete_paths(conn, [(ref, r.path) for r in rows])  # a replaced row takes its fields
    # New rows get ids past the largest (INTEGER PRIMARY KEY), so ``rid > last`` is them.
    last = conn.execute("SELECT coalesce(max(rid), 0) FROM records").fetchone()[0]
    conn.executemany(
        f"INSERT OR REPLACE INTO records(ref, path, id, kind, doc, error, seq, blob, "
        f"{_DOC_COLUMN_NAMES}) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, {_doc_values('?5')})",
        (
            (ref, r.path, _stem(r.path), r.kind, r.doc, r.error, r.seq, bytes.fromhex(r.blob))
            for r in rows
        ),
    )
    filled = _fields_filled(conn)
    if filled is not None:
        _add_fields(conn, last, filled)  # ids a deleted top row freed, below the fill
    elif len(rows) > DEFER_FIELDS:
        conn.execute("INSERT INTO meta VALUES(?, ?)", (FIELDS_PENDING, str(last)))
    else:
        _add_fields(conn, last)


_BULK_INSERT = (
    f"INSERT INTO records(ref, path, id, kind, doc, error, seq, blob, {_DOC_COLUMN_NAMES}) "
    "VALUES(?1, ?2, ?3, ?4, nullif(?5, ''), ?6, ?7, ?8, " + _doc_values("nullif(?5, '')") + ")"
)
"""Inserts a row of ``_bulk_insert``: ``?5`` is the document, ``""`` for none."""


def _bulk_insert(
    conn: sqlite3.Connection,
    ref: str,
    batches: Iterable[RowColumns],
    *,
    fields: bool = True,
    expected: Callable[[], Tally] | None = None,
    rows_in: Callable[[], object] | None = None,
) -> tuple[int, int]:
    """Insert the rows of ``ref`` in ``batches``, none of which the index holds, and their
    fields, one batch at a time; how many rows, and the largest ``seq``. ``expected``: the tally of the record
    blobs the rows must name (waited for once they are in; RowsMismatch unless the rows'
    paths and blob ids tally the same). ``rows_in``: called once the rows are in, before
    the secondary indexes are built.

    Every per-row step runs in C: the parameters are zipped from the columns, and SQLite
    parses each document (its ``DOC_COLUMNS``, then its fields). Into a file that holds no records
    yet, the secondary indexes are built once after the rows instead of row by row.
    """
    from gitml.storage.tally import Tally  # only a load tallies its rows

    last = conn.execute("SELECT coalesce(max(rid), 0) FROM records").fetchone()[0]
    deferred = _drop_secondary_indexes(conn) if not last else []
    tally = Tally()
    count = top = 0
    for rows in batches:
        conn.executemany(
            _BULK_INSERT,
            zip(
                repeat(ref),
                rows.path,
                map(_stem, rows.path),
                rows.kind,
                rows.doc,
                rows.error,
                rows.seq,
                map(bytes.fromhex, rows.blob),
            ),
        )
        if expected is not None:
            tally.add(rows.path, rows.blob)
        if fields:
            _add_fields(conn, last)
        last = conn.execute("SELECT coalesce(max(rid), 0) FROM records").fetchone()[0]
        count += len(rows)
        top = max(top, max(rows.seq, default=0))
        del rows  # before the next batch is read: one batch in memory at a time
    if rows_in is not None:
        rows_in()
    for sql in deferred:  # a path twice: sqlite3.IntegrityError
        conn.execute(sql)
    if expected is not None:
        _check_tally(tally, expected())
    return count, top


def _check_tally(rows: Tally, listed: Tally) -> None:
    """RowsMismatch unless the rows' tally is the listed records'."""
    if rows.count != listed.count:
        raise RowsMismatch(f"{rows.count} rows for {listed.count} listed records")
    if rows != listed:
        raise RowsMismatch(f"the {rows.count} rows are not the {listed.count} listed records")


def _listing_tally(listing: Iterable[Sequence[tuple[str, str]]], stop: threading.Event) -> Tally:
    """The tally of the record blobs in ``listing`` ((blob id, path) batches), or of those
    before the first batch after ``stop`` is set."""
    from gitml.storage.tally import Tally  # only a load tallies a listing

    tally = Tally()
    for batch in listing:
        if stop.is_set():
            break
        records = [(oid, path) for oid, path in batch if is_record_path(path)]
        tally.add([path for _oid, path in records], [oid for oid, _path in records])
    return tally


@contextmanager
def _listed(
    conn: sqlite3.Connection, listing: Iterable[Sequence[tuple[str, str]]]
) -> Iterator[None]:
    """For the block, the record blobs of ``listing`` ((blob id, path) batches of one tree)
    as ``listing.blobs`` (path -> blob id, filtered by ``record_path_sql``): a scratch
    database attached to ``conn`` (a private file SQLite deletes when it is detached, with
    a page cache of ``LISTING_CACHE_KIB``), filled in a transaction of its own before the
    block's; ``conn`` must not be in one.

    ``match_listing`` checks each batch of rows against it right after inserting them
    (``_check_batch``), while their pages are still cached, and then that no listed
    record was left without a row (``_check_all_listed``).
    """
    (temp,) = conn.execute("PRAGMA temp_store").fetchone()
    conn.execute("PRAGMA temp_store=FILE")  # an attached '' file is kept in memory otherwise
    conn.execute("ATTACH DATABASE '' AS listing")
    conn.execute(f"PRAGMA temp_store={int(temp)}")
    try:
        conn.execute(f"PRAGMA listing.cache_size=-{LISTING_CACHE_KIB}")
        conn.execute(
            "CREATE TABLE listing.blobs(path TEXT PRIMARY KEY, blob TEXT NOT NULL) WITHOUT ROWID"
        )
        conn.execute("BEGIN")
        try:
            for batch in listing:
                conn.executemany(
                    f"INSERT INTO listing.blobs SELECT ?2, ?1 WHERE {record_path_sql('?2')}",
                    ((blob, _storable(path)) for blob, path in batch),
                )
            conn.execute("COMMIT")
        except BaseException:
            with suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise
        yield
    finally:
        if conn.in_transaction:  # the block failed: a file in use cannot be detached
            with suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        conn.execute("DETACH DATABASE listing")


def _check_batch(conn: sqlite3.Connection, last: int, count: int) -> None:
    """RowsMismatch unless each of the ``count`` rows after row ``last`` names a listed
    record blob (``_listed``). Run right after they are inserted: their pages are cached."""
    (found,) = conn.execute(
        "SELECT count(*) FROM records r JOIN listing.blobs l "
        "ON l.path = r.path AND l.blob = lower(hex(r.blob)) WHERE r.rid > ?",
        (last,),
    ).fetchone()
    if found != count:
        raise _first_difference(
            conn,
            "SELECT min(path) FROM records r WHERE r.rid > ? AND NOT EXISTS (SELECT 1 FROM "
            "listing.blobs l WHERE l.path = r.path AND l.blob = lower(hex(r.blob)))",
            (last,),
        )


def _check_all_listed(conn: sqlite3.Connection, ref: str, count: int) -> None:
    """RowsMismatch unless the ``count`` rows of ``ref``, each matched to a listed record
    by ``_check_batch`` (one path each: the rows' paths are unique), are all the listed
    records."""
    (listed,) = conn.execute("SELECT count(*) FROM listing.blobs").fetchone()
    if listed != count:
        raise _first_difference(
            conn,
            "SELECT min(path) FROM listing.blobs l WHERE NOT EXISTS "
            "(SELECT 1 FROM records r WHERE r.ref = ? AND r.path = l.path)",
            (ref,),
        )


def _first_difference(
    conn: sqlite3.Connection, query: str, params: tuple[object, ...]
) -> RowsMismatch:
    """The RowsMismatch naming the path ``query`` selects, once a count found rows and
    listing apart (the slow query runs only then)."""
    (path,) = conn.execute(query, params).fetchone()
    return RowsMismatch(f"first difference: {path}")


def match_listing(
    ref: str, batches: Iterable[RowColumns], listing: Iterable[Sequence[tuple[str, str]]]
) -> int:
    """How many rows ``batches`` hold, once they are found to name exactly the record blobs
    in ``listing`` as ``Index.seed`` checks them (RowsMismatch; sqlite3.IntegrityError for
    a path twice). Their paths and blob ids go to a scratch database on disk a batch at a
    time, so memory stays bounded by a batch."""
    with closing(sqlite3.connect("", isolation_level=None)) as conn:
        conn.execute(
            "CREATE TABLE records(rid INTEGER PRIMARY KEY, ref TEXT NOT NULL, "
            "path TEXT NOT NULL, blob BLOB, UNIQUE(ref, path))"
        )
        with _listed(conn, listing):
            count = 0
            for rows in batches:
                conn.executemany(
                    "INSERT INTO records(ref, path, blob) VALUES(?, ?, ?)",
                    zip(repeat(ref), rows.path, map(bytes.fromhex, rows.blob)),
                )
                _check_batch(conn, count, len(rows))
                count += len(rows)
            _check_all_listed(conn, ref, count)
    return count


def _drop_secondary_indexes(
    conn: sqlite3.Connection, tables: Sequence[str] = ("records", FIELDS_TABLE)
) -> list[str]:
    """Drop the indexes of ``tables`` but their keys; the SQL that makes them again."""
    found = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({', '.join('?' * len(tables))}) ORDER BY name",
        tuple(tables),
    ).fetchall()
    for name, _sql in found:
        conn.execute(f'DROP INDEX "{name}"')
    return [str(sql) for _name, sql in found]


def _add_fields(conn: sqlite3.Connection, last: int, upto: int = MAX_ROW) -> None:
    """The ``fields`` rows (and new key names) of the records after row ``last`` up to row
    ``upto``."""
    conn.execute("DROP TABLE IF EXISTS temp.new_fields")
    conn.execute(_COLLECT_FIELDS, (last, upto))
    conn.execute(_ADD_KEYS)
    conn.execute(_ADD_FIELDS)
    conn.execute("DROP TABLE temp.new_fields")


@contextmanager
def _bulk_cache(conn: sqlite3.Connection) -> Iterator[None]:
    """For the block, a page cache of ``BULK_CACHE_KIB`` and temporary tables and sorts in
    memory (the index is a cache: nothing here needs to survive a crash); then the
    connection's own settings again."""
    (cache,) = conn.execute("PRAGMA cache_size").fetchone()
    (temp,) = conn.execute("PRAGMA temp_store").fetchone()
    conn.execute(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
    conn.execute("PRAGMA temp_store=MEMORY")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA cache_size={int(cache)}")
        conn.execute(f"PRAGMA temp_store={int(temp)}")


def _indexed_tip(conn: sqlite3.Connection, ref: str) -> str | None:
    row = conn.execute("SELECT tip FROM tips WHERE ref=?", (ref,)).fetchone()
    return str(row[0]) if row else None


def _code(exc: sqlite3.Error) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else int(code) & 0xFF


def _is_corrupt(exc: sqlite3.Error) -> bool:
    """A damaged or foreign file (or our own version check), as opposed to a busy one."""
    code = _code(exc)
    if code is None:
        return not isinstance(exc, sqlite3.OperationalError)
    return code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


_ENVIRONMENT_ERRORS = (
    sqlite3.SQLITE_CANTOPEN,
    sqlite3.SQLITE_READONLY,
    sqlite3.SQLITE_IOERR,
    sqlite3.SQLITE_FULL,
    sqlite3.SQLITE_PERM,
)


Parsed = tuple[str | None, str | None, str | None] | None
PARALLEL_MIN = 2000


def _parse_one(parse: Parser, path: str, data: bytes) -> Parsed:
    """(kind, JSON text, error) of one blob; None when it is not a record."""
    try:
        doc = parse(path, data)
    except InvalidRecord as exc:
        return None, None, str(exc)
    if doc is None:
        return None
    return str(doc.get("schema", "")), _dump_json(doc), None


def _parse_chunk(parse: Parser, items: list[tuple[str, bytes]]) -> list[Parsed]:
    return [_parse_one(parse, path, data) for path, data in items]


def parse_many(parse: Parser, items: list[tuple[str, bytes]]) -> list[Parsed]:
    """Parse blobs; a big rebuild is spread over forked worker processes (TOML parsing
    dominates a cold index, and it is pure CPU work)."""
    workers = min(os.cpu_count() or 1, 8)
    if len(items) < PARALLEL_MIN or workers < 2 or sys.platform != "linux":
        return _parse_chunk(parse, items)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    size = -(-len(items) // (workers * 4))
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        results = pool.map(_parse_chunk, [parse] * len(chunks), chunks)
        return [parsed for chunk in results for parsed in chunk]


def row_doc(doc: Doc) -> Doc:
    """A parsed record as the index gives it back (its JSON form: times as text)."""
    loaded: Doc = json.loads(_dump_json(doc))
    return loaded


def _dump_json(doc: Doc) -> str:
    """Compact JSON (every byte is parsed again by each json_extract() in a query).

    NaN and infinities, which SQLite rejects as malformed JSON, go the slow way.
    """
    try:
        return json.dumps(doc, default=_json_value, separators=(",", ":"), allow_nan=False)
    except ValueError:
        return json.dumps(codec.to_jsonable(doc), separators=(",", ":"))


def _json_value(value: Any) -> Any:
    """TOML values JSON lacks (dates and times), as ``codec.to_jsonable`` writes them."""
    converted = codec.to_jsonable(value)
    if converted is value:
        raise TypeError(f"{type(value).__name__} is not JSON serializable")
    return converted


NOT_UTF8 = "its path is not UTF-8, which no gitml record path is; it was written by hand"
"""The error of a record whose path git holds as bytes that are not UTF-8 (a plain ``git
fetch`` brings whatever path was pushed)."""


def _storable(path: str) -> str:
    """``path`` as the index can hold it: itself, or, when git's bytes are not UTF-8 (read
    with ``surrogateescape``), those bytes escaped as ``\\xff``."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _stem(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return name.removesuffix(".toml")


def open_index(collection: Collection) -> Index:
    return Index.for_collection(collection)


def drop_index(state_dir: Path) -> None:
    with closing(Index(state_dir / INDEX_FILE)) as index:
        index.drop()
