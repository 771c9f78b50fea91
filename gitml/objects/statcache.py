"""A persistent stat cache: a clean status costs one ``stat`` per file, not a read.

Each entry maps a work-tree path to ``(dev, ino, size, mtime_ns, ctime_ns)`` and the digest
of the content seen with that stat. A file whose stat still matches is not read again;
any change to content, inode or metadata (``ctime`` catches an edit whose ``mtime`` was
set back) makes it rehashed.

**Racy timestamps**, as git handles them (Documentation/technical/racy-git.txt): file
timestamps have a granularity (a kernel clock tick, or worse on some filesystems), so a
file written again in the same tick as the stat we recorded keeps its ``mtime`` and
would look unchanged. Before stating files, ``hash_with_cache`` touches a stamp file in
the state directory and reads back its ``mtime``: "now" on the filesystem clock. An entry
is recorded only if the file's ``mtime`` is strictly older than that stamp; any later
write then necessarily moves the ``mtime`` past the recorded one. Files modified too
recently are hashed but not recorded (git "smudges" them), so the next run rehashes them
and records them once they are old enough.

Storage: SQLite in WAL mode (readers never block, concurrent writers serialise on the
write lock). The file is disposable: a corrupt or foreign-version one is recreated. It is
never fsynced (``synchronous=OFF``): a crash can at worst lose recent entries or leave an
entry for a stat the file no longer has, and either only costs a rehash.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, NamedTuple

from gitml.errors import write_failure
from gitml.objects.digest import Digest, hash_files_stat
from gitml.objects.errors import DataError

if TYPE_CHECKING:
    import sqlite3

    from gitml.objects.progress import Progress

STATCACHE_FILE = "statcache.sqlite"
STAMP_FILE = "statcache.stamp"
SCHEMA_VERSION = 1
_CHUNK = 900  # bound parameters per query, under SQLite's historical limit of 999
_SCAN_ALL = 4096  # from this many paths on, read the whole table instead
_DDL = """
CREATE TABLE IF NOT EXISTS files(
    path TEXT PRIMARY KEY, dev INTEGER NOT NULL, ino INTEGER NOT NULL,
    size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, ctime_ns INTEGER NOT NULL,
    digest TEXT NOT NULL) WITHOUT ROWID;
"""


_I64 = 1 << 63


def _i64(value: int) -> int:
    """Map an unsigned 64-bit stat field (dev, ino) into SQLite's signed INTEGER range."""
    return value - (1 << 64) if value >= _I64 else value


class FileStat(NamedTuple):
    """The stat fields that identify a version of a file (a tuple: cheap to compare)."""

    dev: int
    ino: int
    size: int
    mtime_ns: int
    ctime_ns: int

    @classmethod
    def of(cls, st: os.stat_result) -> FileStat:
        dev, ino = st.st_dev, st.st_ino
        if dev >= _I64 or ino >= _I64:
            dev, ino = _i64(dev), _i64(ino)
        # tuple.__new__ skips the generated __new__: this runs once per file on a status.
        return tuple.__new__(cls, (dev, ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))


class StatCache:
    """The stat cache stored under ``state_dir`` (e.g. ``.git/gitml``)."""

    def __init__(self, state_dir: str | os.PathLike[str]) -> None:
        self.state_dir = Path(state_dir)
        self.path = self.state_dir / STATCACHE_FILE
        self._stamp_path = self.state_dir / STAMP_FILE
        self._conn: sqlite3.Connection | None = None
        try:
            self.state_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DataError(f"cannot create '{self.state_dir}': {exc.strerror}") from exc

    @property
    def _db(self) -> sqlite3.Connection:
        """The database, opened on first use (a status served by snapshots never needs it)."""
        if self._conn is None:
            import sqlite3  # only when the database is used: a snapshot status never is

            try:
                self._conn = self._open_patiently()
            except sqlite3.OperationalError:  # state folder gone or unwritable: remember nothing
                self._conn = sqlite3.connect(":memory:", isolation_level=None)
                self._conn.executescript(_DDL)
        return self._conn

    def _open_patiently(self) -> sqlite3.Connection:
        """``_open``, retried while another process holds the lock during its own setup."""
        import sqlite3
        import time

        deadline = time.monotonic() + 30.0
        while True:
            try:
                return self._open()
            except sqlite3.OperationalError as exc:
                busy = "locked" in str(exc) or "busy" in str(exc)
                if not busy or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def _open(self) -> sqlite3.Connection:
        import sqlite3

        for attempt in (1, 2):
            db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            try:
                version = db.execute("PRAGMA user_version").fetchone()[0]
                db.execute("PRAGMA synchronous=OFF")  # disposable: never wait for the disk
                if version == SCHEMA_VERSION:  # set up already: opening writes nothing
                    return db
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("BEGIN IMMEDIATE")  # set up once: others wait, then see it done
                try:
                    if db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                        db.execute("DROP TABLE IF EXISTS files")
                        db.execute(_DDL)
                        db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
                    db.execute("COMMIT")
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                return db
            except sqlite3.DatabaseError:
                db.close()
                if attempt == 2:
                    raise
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> StatCache:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def stamp(self) -> int | None:
        """Touch the stamp file; its ``mtime_ns`` is "now" on the filesystem clock.

        ``None`` if the state directory is not writable (nothing will be recorded).
        """
        try:
            try:
                os.utime(self._stamp_path)
            except FileNotFoundError:
                self._stamp_path.touch()
            return self._stamp_path.stat().st_mtime_ns
        except OSError:
            return None

    def lookup(self, relpaths: Sequence[str]) -> dict[str, tuple[FileStat, Digest]]:
        """The recorded ``(stat, digest)`` of those of ``relpaths`` that have an entry."""
        return {
            row[0]: (FileStat(*row[1:6]), str.__new__(Digest, row[6]))
            for row in self._rows(relpaths).values()
        }

    def _rows(self, relpaths: Sequence[str]) -> dict[str, tuple[Any, ...]]:
        """Raw rows ``(path, dev, ino, size, mtime_ns, ctime_ns, digest)`` by path."""
        found: dict[str, tuple[Any, ...]] = {}
        if len(relpaths) >= _SCAN_ALL:
            # One sequential read beats thousands of bound lookups (a whole-dataset status).
            wanted = set(relpaths)
            for row in self._db.execute("SELECT * FROM files"):
                if row[0] in wanted:
                    found[row[0]] = row
            return found
        for start in range(0, len(relpaths), _CHUNK):
            chunk = relpaths[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            for row in self._db.execute(f"SELECT * FROM files WHERE path IN ({marks})", chunk):
                found[row[0]] = row
        return found

    def record(self, entries: Iterable[tuple[str, FileStat, str]], stamp_ns: int | None) -> int:
        """Store entries whose ``mtime`` is older than ``stamp_ns``; returns how many.

        ``stamp_ns`` must come from ``stamp()`` called *before* the files were stated.
        Entries for files modified since (racily clean ones) are skipped.
        """
        if stamp_ns is None:
            return 0
        rows = [(path, *fs, str(digest)) for path, fs, digest in entries if fs.mtime_ns < stamp_ns]
        if rows:
            import sqlite3

            try:
                with self._write():
                    self._db.executemany(
                        "INSERT OR REPLACE INTO files VALUES (?,?,?,?,?,?,?)", rows
                    )
            except sqlite3.DatabaseError as exc:
                if write_failure(exc, str(self.path)) is None:
                    raise
                return 0  # a full disk: the files are hashed again next time, nothing is lost
        return len(rows)

    def forget(self, relpaths: Iterable[str]) -> None:
        """Drop the entries of ``relpaths`` (e.g. files no longer tracked)."""
        with self._write():
            self._db.executemany("DELETE FROM files WHERE path = ?", ((p,) for p in relpaths))

    def clear(self) -> None:
        with self._write():
            self._db.execute("DELETE FROM files")

    def __len__(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM files").fetchone()[0])

    def _write(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on error)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        if et is None:
            self.db.execute("COMMIT")
        elif self.db.in_transaction:
            self.db.execute("ROLLBACK")


class HashResult(NamedTuple):
    """What ``hash_with_cache`` found."""

    digests: dict[str, Digest]  # every existing file's digest
    stats: dict[str, FileStat]  # the stat each digest goes with
    missing: frozenset[str]  # paths that do not exist
    rehashed: frozenset[str]  # paths whose content was read this time
    steady: frozenset[str]  # rehashed paths whose stat did not move while being read
    stamp_ns: int | None  # the racy-timestamp stamp taken before stating


def hash_with_cache(
    root: str | os.PathLike[str],
    relpaths: Iterable[str],
    statcache: StatCache,
    *,
    jobs: int | None = None,
    progress: Progress | None = None,
    record: bool = True,
) -> HashResult:
    """Digest each of ``relpaths`` (relative to ``root``), reading only changed files.

    Missing files are reported, not raised; anything other than a regular file (after
    following symlinks) raises ``DataError``. With ``record`` false the new entries
    (``steady`` paths with their ``stats``) are left for the caller to ``record``.
    """
    prefix = os.fspath(root) + os.sep
    paths = list(dict.fromkeys(relpaths))
    stamp_ns = statcache.stamp()
    stats: dict[str, FileStat] = {}
    missing: list[str] = []
    for rel in paths:
        try:
            st = os.stat(prefix + rel)  # noqa: PTH116 - hot loop: one stat per file
        except FileNotFoundError:
            missing.append(rel)
            continue
        except OSError as exc:
            raise DataError(f"cannot stat '{rel}': {exc.strerror}") from exc
        if not stat.S_ISREG(st.st_mode):
            raise DataError(f"'{rel}' is not a regular file; only files can be tracked")
        stats[rel] = FileStat.of(st)
    known = statcache._rows(list(stats))
    digests: dict[str, Digest] = {}
    changed: list[str] = []
    new_digest = str.__new__
    for rel, fs in stats.items():
        row = known.get(rel)
        if row is not None and row[1:6] == fs:
            digests[rel] = new_digest(Digest, row[6])
        else:
            changed.append(rel)
    fresh: list[tuple[str, FileStat, Digest]] = []
    if changed:
        full = {prefix + rel: rel for rel in changed}
        sizes = {prefix + rel: stats[rel].size for rel in changed}
        hashed = hash_files_stat(list(full), jobs=jobs, progress=progress, sizes=sizes)
        for path, (digest, st_after) in hashed.items():
            rel = full[path]
            digests[rel] = digest
            after = FileStat.of(st_after)
            if after == stats[rel]:  # not modified while we read it
                fresh.append((rel, after, digest))
        if record:
            statcache.record(fresh, stamp_ns)
    return HashResult(
        digests=digests,
        stats=stats,
        missing=frozenset(missing),
        rehashed=frozenset(changed),
        steady=frozenset(rel for rel, _, _ in fresh),
        stamp_ns=stamp_ns,
    )
