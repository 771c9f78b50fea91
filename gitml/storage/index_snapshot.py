"""Index snapshots: a collection's query-index rows, shared through ``refs/gitml/index``.

Without one, a fresh clone parses every record to build its index (TOML, validation,
JSON: about 0.2 ms a record). A snapshot carries the rows another clone derived, keyed
by path and blob id, so a reader parses only the records newer than it.

A snapshot is a cache, never a source of truth. What a row *says* cannot be checked
against its blob without parsing it, so a reader uses a snapshot only when:

- its commit carries an SSH signature ``git verify-commit`` accepts against the
  allowed-signers file the local user names in ``gitml.index.signers`` (who derived the
  rows is trusted; without that setting no snapshot is used);
- it was made by this gitml version (the same parsing and validation rules);
- the records commit it names is in the local ref's history, and its rows name exactly
  the record blobs of that commit (path and blob id; one ``git ls-tree -r``).

Anything else drops it with one warning, and the index is built by parsing.
``git ml index verify`` re-derives every row of a snapshot from its blob.

A snapshot commit's tree holds, per collection (``runs/``), ``snapshot.json`` (format,
gitml version, ref, records commit, segment names, the record tips audited before
publishing: ``AUDITED``) and immutable segments ``<n>.jsonl.z``, each a zlib stream of
a first line naming the ref, the records commit the segment was derived from and its
row count; a second line holding the rows' other columns as JSON lists (``path``,
``blob``, ``seq``, ``kind``, ``error``); then one line per row, its document's JSON text
as the index stores it (empty for an error). A reader hands the documents to SQLite as
they are: no Python parses them. Compressed by gitml, a segment costs git little to pack:
a fetch of segments stored loose (a push of a few objects is unpacked by the server) or a
``git gc`` would otherwise deflate and delta-search every JSON byte of them. Publishing
adds a segment for the records since the snapshot it builds on (its parent commit), at
most ``SEGMENT_ROWS`` rows to a segment, and folds all into full segments rather than
hold more than ``MAX_SEGMENTS`` beyond those.
A reader loads a segment at a time (``seed_index``), reading and decoding the next on a
second thread while SQLite inserts the current one.
"""

from __future__ import annotations

import json
import re
import sqlite3
import sys
import zlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain, repeat
from operator import is_, methodcaller
from pathlib import Path
from typing import NamedTuple

from gitml._version import __version__
from gitml.errors import GitmlError
from gitml.escape import terminal
from gitml.storage import INDEX_REF, REF_ROOT
from gitml.storage.ahead import read_ahead
from gitml.storage.blobs import read_blobs
from gitml.storage.collection import Collection
from gitml.storage.git import last_line
from gitml.storage.index import (
    Index,
    IndexRow,
    Parser,
    RowColumns,
    RowExport,
    RowsMismatch,
    match_listing,
    parse_many,
)
from gitml.storage.odb import MODE_BLOB, MODE_TREE, TreeEntry
from gitml.storage.refs import read_ref, update_ref
from gitml.storage.repo import GitRepo
from gitml.storage.trees import commit_tree, listed_blob_batches, read_blob, tree_entry

FORMAT = 3
SIGNERS_KEY = "gitml.index.signers"
MAX_SEQ = 2**62  # a row's commit-order number; SQLite integers are 64-bit
SEGMENT_ROWS = 20_000
"""Most rows a segment holds: a reader holds at most three segments' rows at a time (the
one going in, one read ahead and the next being read; about 25 MB of documents each at a
typical run's size), whatever the number of runs."""
MAX_SEGMENT_BYTES = 1 << 30
"""Most bytes a segment may inflate to: a few kilobytes of zlib cannot make a reader hold
more (a legitimate segment is about 1.4 KB a row)."""
SEGMENT_LEVEL = 6
MAX_SEGMENTS = 16
"""Most segments a snapshot holds beyond its full ones (rows // SEGMENT_ROWS): publishing
that would go past it folds every row into full segments instead."""
META = "snapshot.json"
AUDITED = "audited"
"""The key of ``snapshot.json`` naming each record ref's tip audited clean before the
snapshot was signed (``storage.audit_statement`` reads it)."""
_SSH_SIGNATURE = "-----BEGIN SSH SIGNATURE-----"


class SnapshotRefused(GitmlError):
    """A snapshot that cannot be used; the message says why."""


class SnapshotElsewhere(SnapshotRefused):
    """A snapshot of records this clone does not have (yet): skipped without a warning."""


@dataclass(frozen=True)
class Published:
    commit: str
    records: str
    rows: int
    new_rows: int
    segments: int


def folder(ref: str) -> str:
    """The tree folder of a collection's rows (``runs`` for ``refs/gitml/runs``)."""
    return ref.removeprefix(REF_ROOT)


def snapshot_commits(repo: GitRepo) -> Iterator[tuple[str, str]]:
    """(ref, commit) of each ref that holds a snapshot here: the local one, then every
    remote's as last fetched (each ref read when the caller gets to it)."""
    proc = repo.git("for-each-ref", "--format=%(refname)", "refs/remotes/", check=False)
    remotes = sorted(
        name
        for name in proc.stdout.split()
        if name.endswith("/gitml/index") and name.count("/") == 4
    )
    for name in [INDEX_REF, *remotes]:
        commit = read_ref(repo, name)
        if commit is not None:
            yield name, commit


def read_layout(repo: GitRepo, commit: str, ref: str) -> tuple[str, list[tuple[str, str]]]:
    """(records commit, (name, blob id) of each segment) of ``ref``'s rows in a snapshot
    commit, no row read; SnapshotRefused when they are unusable."""
    odb = repo.odb
    try:
        tree = commit_tree(odb, commit)
    except (KeyError, GitmlError):
        raise SnapshotRefused(f"{commit[:12]} is not a commit") from None
    base = folder(ref)
    records, names = read_meta(read_blob(odb, tree, f"{base}/{META}"), ref=ref)
    segments: list[tuple[str, str]] = []
    for name in names:
        entry = tree_entry_oid(repo, tree_oid=tree.oid, path=f"{base}/{name}")
        if entry is None:
            raise SnapshotRefused(f"segment {base}/{name} is missing")
        segments.append((name, entry))
    return records, segments


def segment_rows(
    repo: GitRepo, ref: str, segments: Sequence[tuple[str, str]]
) -> Iterator[RowColumns]:
    """The rows of each segment in turn, read and decoded one segment at a time
    (SnapshotRefused at the first malformed one)."""
    blobs = read_blobs(repo, [oid for _name, oid in segments])
    for (name, _oid), (_same, data) in zip(segments, blobs, strict=True):
        where = f"{folder(ref)}/{name}"
        text = inflate_segment(data, where=where)
        del data
        yield decode_segment(text, ref=ref, where=where)
        del text


def deflate_segment(text: bytes) -> bytes:
    """A segment's blob: its text (``encode_segment``) as one zlib stream."""
    return zlib.compress(text, SEGMENT_LEVEL)


def inflate_segment(data: bytes, *, where: str) -> bytes:
    """A segment's text from its blob; SnapshotRefused when the blob is not exactly one
    zlib stream or inflates past ``MAX_SEGMENT_BYTES``."""
    stream = zlib.decompressobj()
    try:
        text = stream.decompress(data, MAX_SEGMENT_BYTES)
    except zlib.error:
        raise SnapshotRefused(f"{where} is malformed (not a zlib stream)") from None
    if stream.unconsumed_tail:
        raise SnapshotRefused(f"{where} inflates past {MAX_SEGMENT_BYTES} bytes")
    if not stream.eof or stream.unused_data:
        raise SnapshotRefused(f"{where} is malformed (not one whole zlib stream)")
    return text


def read_meta(raw: bytes | None, *, ref: str) -> tuple[str, list[str]]:
    """(records commit, segment names) from a snapshot's ``snapshot.json`` for ``ref``."""
    where = f"{folder(ref)}/{META}"
    if raw is None:
        raise SnapshotRefused(f"it holds no rows of {ref}")
    try:
        meta = json.loads(raw)
        fmt, version = meta["format"], meta["gitml"]
        records, names = str(meta["records"]), [str(n) for n in meta["segments"]]
        meta_ref = meta["ref"]
    except (ValueError, KeyError, TypeError):
        raise SnapshotRefused(f"{where} is malformed") from None
    if fmt != FORMAT or meta_ref != ref:
        raise SnapshotRefused(f"{where} has format {fmt!r} for {meta_ref!r}")
    if version != __version__:
        raise SnapshotRefused(f"it was made by gitml {version}, this is gitml {__version__}")
    return records, names


def meta_blob(
    ref: str, *, records: str, rows: int, segments: Sequence[str], audited: Mapping[str, str]
) -> bytes:
    """The ``snapshot.json`` of a snapshot of ``ref`` at ``records`` (``audited``: the
    record tips audited clean before publishing)."""
    meta = {
        "format": FORMAT,
        "gitml": __version__,
        "ref": ref,
        "records": records,
        "rows": rows,
        "segments": list(segments),
        AUDITED: dict(audited),
    }
    return json.dumps(meta).encode()


def tree_entry_oid(repo: GitRepo, *, tree_oid: str, path: str) -> str | None:
    """The blob id at ``path`` below tree ``tree_oid`` (None when there is none)."""
    entry = tree_entry(repo.odb, repo.odb.tree(tree_oid), path)
    return entry.oid if entry is not None and entry.mode == MODE_BLOB else None


_OIDS = re.compile(r"[0-9a-f]{40}(?:\n[0-9a-f]{40})*")


def decode_segment(data: bytes, *, ref: str, where: str) -> RowColumns:
    """The rows of one segment, column by column; SnapshotRefused when it is malformed.

    Each check runs over a whole column at once: no Python runs per row.
    """
    try:
        first = data.index(b"\n")
        second = data.index(b"\n", first + 1)
        head = json.loads(data[:first])
        count = int(head["rows"])
        if head["ref"] != ref:
            raise SnapshotRefused(f"{where} holds rows of {head['ref']!r}")
        columns = json.loads(data[first + 1 : second])
        docs = str(memoryview(data)[second + 1 :], "utf-8").split("\n")  # no copy of the bytes
        if docs.pop() != "":
            raise ValueError("no final newline")
        rows = RowColumns(
            path=columns["path"],
            blob=columns["blob"],
            seq=columns["seq"],
            kind=columns["kind"],
            doc=docs,
            error=columns["error"],
        )
    except (ValueError, KeyError, TypeError, IndexError):
        raise SnapshotRefused(f"{where} is malformed") from None
    sizes = {len(column) for column in _columns(rows)}
    if sizes != {count}:
        raise SnapshotRefused(f"{where} says {count} rows and holds {sorted(sizes)}")
    if not _well_formed(rows):
        raise SnapshotRefused(f"{where} is malformed")
    return rows


def _columns(rows: RowColumns) -> tuple[Sequence[object], ...]:
    return (rows.path, rows.blob, rows.seq, rows.kind, rows.doc, rows.error)


def _well_formed(rows: RowColumns) -> bool:
    """Whether every column holds what it should: text paths, blob ids, ``seq`` in
    0..MAX_SEQ, text or null kinds and errors, and a document (a JSON object's text)
    exactly where there is no error."""
    if not all(isinstance(column, list) for column in _columns(rows)):
        return False
    texts, optional = {str}, {str, type(None)}
    if not set(map(type, rows.path)) <= texts or not set(map(type, rows.blob)) <= texts:
        return False
    if not set(map(type, rows.kind)) <= optional or not set(map(type, rows.error)) <= optional:
        return False
    if not rows.path:
        return True
    if not set(map(type, rows.seq)) <= {int} or min(rows.seq) < 0 or max(rows.seq) >= MAX_SEQ:
        return False
    if _OIDS.fullmatch("\n".join(rows.blob)) is None:
        return False
    if list(map(bool, rows.doc)) != list(map(is_, rows.error, repeat(None))):
        return False
    return all(map(methodcaller("startswith", "{"), filter(None, rows.doc)))


def signers_file(signers: str) -> Path:
    """The allowed-signers file ``gitml.index.signers`` names, symbolic links resolved;
    SnapshotRefused for a relative path, which Python and git would read from different
    folders."""
    path = Path(signers).expanduser()
    if not path.is_absolute():
        raise SnapshotRefused(
            f"{SIGNERS_KEY} names {signers}, a relative path; name the allowed-signers "
            "file by its absolute path"
        )
    return path.resolve()


def _outside_work_tree(repo: GitRepo, signers: str) -> Path:
    """The allowed-signers file ``signers`` names (``signers_file``); SnapshotRefused when it
    lies in the work tree (outside ``.git``): a checkout of the change being judged (a pull
    request's, in CI) could have written its own key there."""
    path = signers_file(signers)
    if repo.is_bare:
        return path
    inside_git = path.is_relative_to(repo.gitdir.resolve()) or path.is_relative_to(
        repo.commondir.resolve()
    )
    if path.is_relative_to(repo.workdir.resolve()) and not inside_git:
        raise SnapshotRefused(
            f"{SIGNERS_KEY} names {signers}, a file in the work tree, which the change being "
            "judged could have written; keep the allowed signers outside the repository and "
            f"name that file in {SIGNERS_KEY}"
        )
    return path


def check_signature(repo: GitRepo, commit: str, signers: str) -> None:
    """SnapshotRefused unless ``commit`` is SSH-signed by a key in the ``signers`` file,
    which must lie outside the work tree (``_outside_work_tree``)."""
    path = _outside_work_tree(repo, signers)
    if not path.is_file():
        raise SnapshotRefused(f"{SIGNERS_KEY} names {signers}, which is not a file")
    header = repo.git("cat-file", "commit", commit, check=False).stdout
    if f"gpgsig {_SSH_SIGNATURE}" not in header.split("\n\n", 1)[0]:
        raise SnapshotRefused(f"commit {commit[:12]} carries no SSH signature")
    proc = repo.git(
        "-c", f"gpg.ssh.allowedSignersFile={path}", "verify-commit", commit, check=False
    )
    if proc.returncode != 0:
        raise SnapshotRefused(
            f"commit {commit[:12]} is not signed by a key in {SIGNERS_KEY} "
            f"({last_line(proc.stderr) or 'no valid signature'})"
        )


def check_against_records(
    repo: GitRepo, *, ref: str, records: str, segments: Sequence[tuple[str, str]], tip: str
) -> int:
    """How many rows the segments hold, once the records commit is found in ``tip``'s
    history and the rows to name exactly that commit's record blobs (SnapshotRefused
    otherwise); read a segment at a time."""
    if not _is_ancestor(repo, records, tip):
        raise SnapshotElsewhere(f"its records commit {records[:12]} is not in the history of {ref}")
    with _refused_unless_listed(records):
        return match_listing(
            ref,
            segment_rows(repo, ref, segments),
            listed_blob_batches(repo.commondir, records),
        )


@contextmanager
def _refused_unless_listed(records: str) -> Iterator[None]:
    """For the block, rows found not to name exactly the record blobs of ``records``
    (RowsMismatch, or sqlite3.IntegrityError for a path twice) as SnapshotRefused."""
    try:
        yield
    except RowsMismatch as exc:
        raise SnapshotRefused(
            f"its rows do not name the record blobs of {records[:12]} ({exc})"
        ) from None
    except sqlite3.IntegrityError:
        raise SnapshotRefused(
            f"its rows do not name the record blobs of {records[:12]} (a path listed twice)"
        ) from None


def _is_ancestor(repo: GitRepo, older: str, newer: str) -> bool:
    proc = repo.git("merge-base", "--is-ancestor", older, newer, check=False)
    return proc.returncode == 0


def seed_index(collection: Collection, index: Index, *, indexes: Sequence[str] = ()) -> bool:
    """Fill an empty index for ``collection`` from the first trusted snapshot; whether one
    was used. A snapshot that fails a check is named in one warning and skipped.

    Rows load a segment at a time inside one transaction, and are matched against the
    records commit's listing (``Index.seed``: both sides tallied, the listing on a thread
    of its own), so memory stays bounded by a few segments whatever the number of runs;
    any refusal rolls the whole load back, and a mismatch is then named by an exact
    comparison (``match_listing``).
    ``indexes``: more ``CREATE INDEX`` statements, made with the rows' own.
    """
    repo = collection.repo
    signers = repo.config_get(SIGNERS_KEY)
    if not signers:
        return False
    for name, commit in snapshot_commits(repo):
        try:
            return _load(collection, index, commit=commit, signers=signers, indexes=indexes)
        except SnapshotElsewhere:
            continue
        except SnapshotRefused as exc:
            warn(f"not using the index snapshot {name} ({commit[:12]}): {exc}; parsing records")
        except sqlite3.DatabaseError as exc:  # a document SQLite cannot read as JSON
            warn(f"not using the index snapshot {name} ({commit[:12]}): {exc}; parsing records")
    return False


def _load(
    collection: Collection, index: Index, *, commit: str, signers: str, indexes: Sequence[str]
) -> bool:
    """Seed ``index`` from snapshot ``commit`` after every check a reader makes
    (SnapshotRefused; sqlite3.DatabaseError for a document SQLite cannot read)."""
    repo = collection.repo
    tip = collection.tip()
    if tip is None:
        raise SnapshotRefused(f"{collection.ref} does not exist here")
    check_signature(repo, commit, signers)
    records, segments = read_layout(repo, commit, collection.ref)
    if not _is_ancestor(repo, records, tip):
        raise SnapshotElsewhere(
            f"its records commit {records[:12]} is not in the history of {collection.ref}"
        )
    with _refused_unless_listed(records):
        try:
            return index.seed(
                collection.ref,
                records,
                # the next segment read and decoded while SQLite inserts this one
                read_ahead(segment_rows(repo, collection.ref, segments)),
                listing=listed_blob_batches(repo.commondir, records),
                indexes=indexes,
            )
        except RowsMismatch:
            # The load's check says only that they differ; this one says where.
            match_listing(
                collection.ref,
                segment_rows(repo, collection.ref, segments),
                listed_blob_batches(repo.commondir, records),
            )
            raise


def warn(text: str) -> None:
    sys.stderr.write(terminal(f"gitml: warning: {text}") + "\n")
    sys.stderr.flush()


def publish(
    collection: Collection, index: Index, *, audited: Mapping[str, str] | None = None
) -> Published:
    """Sign and store a snapshot of ``collection``'s index at its current tip in
    ``refs/gitml/index``, built on the newest snapshot whose rows agree with this index.

    ``audited``: the tip of each record ref whose history and records the caller audited
    clean; the snapshot states them (``AUDITED``).

    Rows are read, compared and written a segment at a time (each segment's blob packed
    before the next is encoded), so memory stays bounded by a segment whatever the number
    of runs.
    """
    repo = collection.repo
    stated = dict(audited or {})
    with index.exporting(collection) as export:
        records = export.tip
        if records is None:
            raise GitmlError(f"{collection.ref} holds no records yet; nothing to publish")
        base = _base(repo, collection, records, export)
        total = export.count
        fresh = total - export.kept()  # rows of the index the base does not hold
        segments = list(base.segments) if base is not None else []
        if (
            base is not None
            and not fresh
            and base.records == records
            and base.commit == read_ref(repo, INDEX_REF)
            and stated_audit(repo, base.commit, collection.ref) == stated
        ):
            return Published(
                commit=base.commit, records=records, rows=total, new_rows=0, segments=len(segments)
            )
        top: int | None = None
        if folds(held=len(segments), fresh=fresh, rows=total):
            segments, fresh = [], total
        elif base is not None and fresh:
            top = base.top
        parts = export.batches(SEGMENT_ROWS, skip_kept=bool(segments))
        segments += _write_segments(
            repo, collection.ref, records, parts, held=len(segments), renumber=top
        )
    meta = meta_blob(
        collection.ref,
        records=records,
        rows=total,
        segments=[n for n, _oid in segments],
        audited=stated,
    )
    odb = repo.odb
    entries = [TreeEntry(n, MODE_BLOB, oid) for n, oid in segments]
    entries.append(TreeEntry(META, MODE_BLOB, odb.write_blob(meta)))
    inner = odb.write_tree(entries)
    root = odb.write_tree([TreeEntry(folder(collection.ref), MODE_TREE, inner)])
    odb.flush()
    parent = [base.commit] if base is not None else []
    message = f"gitml index: {total} {folder(collection.ref)} rows at {records[:12]}"
    commit = _signed_commit(repo, root, parent, message)
    update_ref(repo, INDEX_REF, commit, read_ref(repo, INDEX_REF), message)
    return Published(
        commit=commit, records=records, rows=total, new_rows=fresh, segments=len(segments)
    )


def _write_segments(
    repo: GitRepo,
    ref: str,
    records: str,
    parts: Iterator[list[IndexRow]],
    *,
    held: int,
    renumber: int | None,
) -> list[tuple[str, str]]:
    """(name, blob id) of the segments written for ``parts`` (at least one, empty when
    there are no rows), numbered after ``held`` ones; each segment is packed before the
    next is encoded. ``renumber``: give the rows ``seq`` from ``renumber`` + 1 on."""
    odb = repo.odb
    written: list[tuple[str, str]] = []
    done = 0
    for part in chain(parts, [[]]):
        if not part and written:
            break
        if renumber is not None:
            part = [row._replace(seq=renumber + done + rank) for rank, row in enumerate(part, 1)]
        name = f"{held + len(written):04d}.jsonl.z"
        written.append((name, odb.write_blob(deflate_segment(encode_segment(ref, records, part)))))
        odb.flush()
        done += len(part)
        del part  # before the next segment is read
    return written


def folds(*, held: int, fresh: int, rows: int) -> bool:
    """Whether a publish folds every row into full segments: adding segments for ``fresh``
    new rows to the ``held`` ones would put more than ``MAX_SEGMENTS`` beside the full
    segments ``rows`` rows need."""
    return held + _segment_count(fresh) > MAX_SEGMENTS + rows // SEGMENT_ROWS


def _segment_count(rows: int) -> int:
    """The segments ``rows`` new rows are written to: full ones and one for the rest (one,
    empty, when there are none: a publish always adds a segment)."""
    return max(1, -(-rows // SEGMENT_ROWS))


def snapshot_meta(repo: GitRepo, commit: str, ref: str) -> dict[str, object] | None:
    """The ``snapshot.json`` of ``ref``'s rows in snapshot ``commit``, as written (None when
    there is none or it is not a JSON object); nothing in it is checked here."""
    try:
        raw = read_blob(repo.odb, commit_tree(repo.odb, commit), f"{folder(ref)}/{META}")
        meta = json.loads(raw) if raw is not None else None
    except (KeyError, GitmlError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


def stated_audit(repo: GitRepo, commit: str, ref: str) -> object:
    """What snapshot ``commit``'s metadata says under ``AUDITED`` (None: nothing)."""
    return (snapshot_meta(repo, commit, ref) or {}).get(AUDITED)


def encode_segment(ref: str, records: str, rows: Sequence[IndexRow]) -> bytes:
    """A segment of ``rows`` of ``ref`` derived from records commit ``records``.

    A document is compact JSON with every non-ASCII character and control character
    escaped, so it never holds a line break.
    """
    columns = RowColumns.of(rows)
    head = json.dumps({"ref": ref, "records": records, "rows": len(rows)})
    other = {
        "path": columns.path,
        "blob": columns.blob,
        "seq": columns.seq,
        "kind": columns.kind,
        "error": columns.error,
    }
    lines = [head, json.dumps(other, separators=(",", ":")), *columns.doc]
    return ("\n".join(lines) + "\n").encode("utf-8")


class _Base(NamedTuple):
    """The snapshot a publish builds on: its rows are the export's kept set."""

    commit: str
    records: str
    segments: list[tuple[str, str]]
    rows: int
    top: int
    """Its largest ``seq`` (0 when it holds no row)."""


def _base(repo: GitRepo, collection: Collection, records: str, export: RowExport) -> _Base | None:
    """The snapshot with the most rows that this index's own rows confirm, one for one
    (its rows left as ``export``'s kept set), read a segment at a time.

    Only our own snapshot or one signed by a trusted key is built on: rows confirmed here
    are re-signed with our key, and their ``seq`` (which run of a name is the latest) is
    taken as it stands, so an unsigned snapshot fetched from a remote never is.
    """
    signers = repo.config_get(SIGNERS_KEY)
    best: _Base | None = None
    for name, commit in snapshot_commits(repo):
        try:
            if name != INDEX_REF:
                if not signers:
                    continue
                check_signature(repo, commit, signers)
            held, segments = read_layout(repo, commit, collection.ref)
            if not _is_ancestor(repo, held, records):
                continue
            confirmed = _confirmed(repo, collection.ref, segments, export)
        except SnapshotRefused:
            export.forget()
            continue
        if confirmed is None:
            export.forget()
            continue
        rows, top = confirmed
        if best is None or rows > best.rows:
            best = _Base(commit=commit, records=held, segments=segments, rows=rows, top=top)
            export.adopt()
        else:
            export.forget()
    return best


def _confirmed(
    repo: GitRepo, ref: str, segments: Sequence[tuple[str, str]], export: RowExport
) -> tuple[int, int] | None:
    """(rows, largest ``seq``) of a snapshot's segments when the index holds every row of
    them as it stands (each noted in ``export``'s candidate set); None at the first row
    it does not. SnapshotRefused for a malformed segment."""
    rows = top = 0
    for part in segment_rows(repo, ref, segments):
        mine = export.matching(part.path)
        theirs = part.rows()
        if any(not _same(mine.get(row.path), row) for row in theirs):
            return None
        export.note(mine[row.path][0] for row in theirs)
        rows += len(theirs)
        top = max(top, max(part.seq, default=0))
    return rows, top


def _same(ours: tuple[int, IndexRow] | None, theirs: IndexRow) -> bool:
    return ours is not None and (ours[1].blob, ours[1].kind, ours[1].doc, ours[1].error) == (
        theirs.blob,
        theirs.kind,
        theirs.doc,
        theirs.error,
    )


def _signed_commit(repo: GitRepo, tree: str, parents: Sequence[str], message: str) -> str:
    args = ["commit-tree", "-S", tree]
    for parent in parents:
        args += ["-p", parent]
    proc = repo.git(*args, "-m", message, check=False)
    if proc.returncode != 0:
        raise GitmlError(
            f"could not sign the index snapshot ({last_line(proc.stderr)}): snapshots are "
            "signed with your git signing key; set gpg.format=ssh and user.signingkey"
        )
    return proc.stdout.strip()


@dataclass(frozen=True)
class SnapshotAudit:
    """What ``git ml index verify`` found for one snapshot."""

    ref: str
    commit: str
    rows: int
    signature: str | None
    """None when the signature verifies against ``gitml.index.signers``; else why not."""
    problems: list[str]


def verify(collection: Collection, parse: Parser) -> Iterator[SnapshotAudit]:
    """Re-derive every row of every snapshot from its blob (the full audit), a segment at
    a time."""
    repo = collection.repo
    signers = repo.config_get(SIGNERS_KEY)
    tip = collection.tip()
    for name, commit in snapshot_commits(repo):
        signature: str | None = f"{SIGNERS_KEY} is not set"
        if signers:
            try:
                check_signature(repo, commit, signers)
                signature = None
            except SnapshotRefused as exc:
                signature = str(exc)
        try:
            records, segments = read_layout(repo, commit, collection.ref)
            if tip is None:
                raise SnapshotRefused(f"{collection.ref} does not exist here")
            rows = check_against_records(
                repo, ref=collection.ref, records=records, segments=segments, tip=tip
            )
        except SnapshotRefused as exc:
            yield SnapshotAudit(
                ref=name, commit=commit, rows=0, signature=signature, problems=[str(exc)]
            )
            continue
        problems = [
            problem
            for part in segment_rows(repo, collection.ref, segments)
            for problem in _differences(repo, parse, part.rows())
        ]
        yield SnapshotAudit(
            ref=name, commit=commit, rows=rows, signature=signature, problems=problems
        )


def _differences(repo: GitRepo, parse: Parser, rows: Sequence[IndexRow]) -> Iterator[str]:
    """A line for each of ``rows`` that differs from what parsing its blob gives."""
    blobs = read_blobs(repo, [row.blob for row in rows])
    items = [(row.path, data) for row, (_oid, data) in zip(rows, blobs, strict=True)]
    for row, parsed in zip(rows, parse_many(parse, items), strict=True):
        if parsed is None or (row.kind, row.doc, row.error) != parsed:
            yield f"{row.path}: the row differs from what blob {row.blob[:12]} says"
