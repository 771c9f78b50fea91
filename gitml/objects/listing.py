"""The file list of a dataset version: one line per file, stored as one blob.

Format (UTF-8, ``\\n`` line ends, sorted by path, no duplicates)::

    gitml-listing 1
    xxh3-128:<32 hex>\\t<size>\\t<path relative to the dataset root>

The list is one blob rather than a sharded subtree of small files because every reader
(status, checkout, diff, push) needs all of it at once: one object read and a split per
line, instead of hundreds of tree reads. Consecutive versions of a large dataset differ in
a few lines, and git's pack delta compression stores such a blob as a small delta, which
is the saving a sharded subtree would have given. The listing is also a content-cache
object, so data remotes carry it and a status reads it without opening the git database.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from gitml.objects.digest import PREFIX, Digest, hash_bytes
from gitml.objects.errors import DataError
from gitml.objects.pathguard import check_path

MAGIC = b"gitml-listing 1\n"
_HEX = frozenset("0123456789abcdef")
_PREFIX_LEN = len(PREFIX)


class Entry(NamedTuple):
    """One file of a dataset: its path below the dataset root, digest and size."""

    path: str
    digest: Digest
    size: int


def check_relpath(path: str, *, where: str) -> str:
    """``path`` if ``gitml.objects.pathguard`` would write it below its root.

    Git's ``verify_path`` rules: no absolute path, no ``.``/``..``/empty component, no
    ``.git`` component in any case or alias, no control characters. ``UnsafePath`` (a
    ``DataError``) names ``where`` otherwise.
    """
    return check_path(path, where=where)


def folder_entries(
    root: Path, folder: str, files: Sequence[str], *, digests: Mapping[str, Digest]
) -> list[Entry]:
    """The entries of ``folder``'s ``files`` (paths relative to ``root``, as ``list_files``
    gives them), each with its digest in ``digests`` and its size on disk now."""
    cut = len(folder) + 1
    return [Entry(f[cut:], digests[f], (root / f).stat().st_size) for f in files]


def encode(entries: Iterable[Entry], *, where: str = "listing") -> bytes:
    """The listing blob of ``entries`` (sorted by path here); errors name ``where``."""
    items = sorted(entries, key=lambda e: e.path)
    lines = [MAGIC.decode()]
    previous = None
    for entry in items:
        if entry.path == previous:
            raise DataError(f"{where}: path {entry.path!r} appears twice")
        previous = entry.path
        check_relpath(entry.path, where=where)
        lines.append(f"{entry.digest}\t{entry.size}\t{entry.path}\n")
    return "".join(lines).encode("utf-8")


def digest_of(data: bytes) -> Digest:
    return hash_bytes(data)


def is_listing(data: bytes) -> bool:
    """Whether ``data`` starts like a listing (the check for directory run outputs)."""
    return data.startswith(MAGIC)


# One pass over the whole text finds any problem a valid listing cannot have: the first
# two fields hold no '/' or '.', so these can only match inside a path.
_LINE = re.compile(r"^(xxh3-128:[0-9a-f]{32})\t([0-9]+)\t([^\t\n]+)$", re.MULTILINE)
_BAD_PATH = re.compile(r"\t(?:/|\.\.?(?:/|\n))|//|/\.\.?(?:/|\n)|/\n|[\x00-\x08\x0b-\x1f\x7f]")
# Paths the exact (slower) check of ``pathguard`` must see: a component that starts like
# '.git' (HFS+ ignores some code points) or 'git~', a backslash, a drive prefix.
_SUSPECT = re.compile(
    r"[\t/][\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]*\.[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]*[gG]"
    r"|[\t/][gG][iI][tT]~|\\|\t[A-Za-z]:"
)


def decode(data: bytes, *, where: str) -> list[Entry]:
    """Parse and validate a listing blob; ``DataError`` names ``where`` and the line."""
    fast = _decode_fast(data)
    return fast if fast is not None else _decode_slow(data, where=where)


def _decode_fast(data: bytes) -> list[Entry] | None:
    """The entries of a valid listing, checked with whole-text regexes; else ``None``."""
    if not data.startswith(MAGIC):
        return None
    try:
        text = data[len(MAGIC) :].decode("utf-8")
    except UnicodeDecodeError:
        return None
    if (text and not text.endswith("\n")) or _BAD_PATH.search(text) or _SUSPECT.search(text):
        return None
    rows = _LINE.findall(text)
    if len(rows) != text.count("\n"):
        return None
    paths = [row[2] for row in rows]
    if any(a >= b for a, b in itertools.pairwise(paths)):
        return None
    new_digest = str.__new__
    return [Entry(path, new_digest(Digest, digest), int(size)) for digest, size, path in rows]


def _decode_slow(data: bytes, *, where: str) -> list[Entry]:
    """Line-by-line parsing that names the first problem (invalid listings only)."""
    if not data.startswith(MAGIC):
        raise DataError(f"{where}: not a gitml file listing (missing the 'gitml-listing 1' line)")
    try:
        text = data[len(MAGIC) :].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{where}: not UTF-8 text ({exc.reason})") from None
    if text and not text.endswith("\n"):
        raise DataError(f"{where}: truncated (no newline at the end)")
    entries: list[Entry] = []
    new_digest = str.__new__
    previous = ""
    for number, line in enumerate(text.splitlines(), start=2):
        parts = line.split("\t", 2)
        if len(parts) != 3:
            raise DataError(f"{where}: line {number}: expected 'digest<TAB>size<TAB>path'")
        digest, size, path = parts
        if (
            len(digest) != _PREFIX_LEN + 32
            or not digest.startswith(PREFIX)
            or not _HEX.issuperset(digest[_PREFIX_LEN:])
        ):
            raise DataError(f"{where}: line {number}: invalid digest {digest!r}")
        if not size.isdigit():
            raise DataError(f"{where}: line {number}: invalid size {size!r}")
        if path <= previous:
            if path == previous:
                raise DataError(f"{where}: line {number}: path {path!r} appears twice")
            raise DataError(f"{where}: line {number}: paths are not sorted")
        previous = path
        check_relpath(path, where=f"{where}: line {number}")
        entries.append(Entry(path, new_digest(Digest, digest), int(size)))
    return entries
