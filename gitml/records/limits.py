"""Size and shape limits of records, checked when records are written and when read.

Records travel between clones, so one hostile record must not be able to stop every
reader: nesting beyond ``MAX_DEPTH`` overflows recursive parsers and serialisers, and a
multi-megabyte message or metric history makes a one-line ``git ml show`` cost seconds
and gigabytes. Every writer refuses records over these limits; every reader turns one
into a one-line error naming it.
"""

from __future__ import annotations

from typing import Any

from gitml.errors import InvalidRecord
from gitml.units import format_bytes

MAX_DEPTH = 32
"""Deepest nesting of tables and arrays in a record (a run record nests about 4 deep)."""
MAX_RECORD_BYTES = 1 << 20
"""Largest TOML record (and environment package list)."""
MAX_HISTORY_BYTES = 16 << 20
"""Largest per-step metric history (``*.history.csv``): ~500k steps."""
MAX_MANIFEST_BYTES = MAX_RECORD_BYTES
"""Largest dataset manifest gitml fetches from a data remote or reads from its cache."""
MAX_LISTING_BYTES = 256 << 20
"""Largest file list (of a dataset version or a folder output) gitml fetches from a data
remote or reads from its cache: about 2.5 million files. ``data.max_listing_mb`` in
``.gitml/config.toml`` raises it for a dataset's file list."""
HISTORY_SUFFIX = ".history.csv"


def max_bytes(path: str) -> int | None:
    """The size limit of the blob at ``path`` in a collection (None: no limit)."""
    if path.endswith(HISTORY_SUFFIX):
        return MAX_HISTORY_BYTES
    if path.endswith((".toml", ".txt")):
        return MAX_RECORD_BYTES
    return None


def size_problem(path: str, size: int) -> str | None:
    """Why a blob of ``size`` bytes may not live at ``path`` (None when it may)."""
    limit = max_bytes(path)
    if limit is None or size <= limit:
        return None
    what = "a metric history" if path.endswith(HISTORY_SUFFIX) else "a record"
    return f"is {format_bytes(size)}, over the {format_bytes(limit)} limit for {what}"


def read_limit(path: str, *, max_listing: int) -> int:
    """The most bytes of the blob at ``path`` of a fetched collection gitml reads: a
    record's or a history's limit, else a file list's, ``max_listing``
    (``data.max_listing_mb``), so no blob someone pushed is read unbounded."""
    limit = max_bytes(path)
    return max_listing if limit is None else limit


def read_problem(path: str, size: int, *, max_listing: int) -> str | None:
    """Why the blob of ``size`` bytes at ``path`` of a fetched collection is not read (None
    when it may be: ``read_limit``)."""
    if max_bytes(path) is not None:
        return size_problem(path, size)
    if size <= max_listing:
        return None
    what = "a file list" if path.endswith(".listing") else "a file on a gitml ref"
    return (
        f"is {format_bytes(size)}, over the {format_bytes(max_listing)} limit for {what} "
        "(data.max_listing_mb, as committed on the default branch)"
    )


def check_size(path: str, size: int, *, where: str | None = None) -> None:
    """Raise InvalidRecord when ``size`` is over the limit for ``path``."""
    problem = size_problem(path, size)
    if problem is not None:
        raise InvalidRecord(f"{where or path}: {problem}")


def depth_problem(doc: Any, limit: int = MAX_DEPTH) -> str | None:
    """Why ``doc`` nests too deeply (None when it does not).

    The walk recurses at most ``limit`` frames, so it cannot overflow itself.
    """
    if _deeper_than(doc, limit):
        return f"nests tables or arrays more than {limit} deep"
    return None


def _deeper_than(value: Any, budget: int) -> bool:
    kind = type(value)
    if kind is dict:
        items = value.values()
    elif kind is list:
        items = value
    else:
        return False
    if budget == 0:
        return True
    for item in items:
        inner = type(item)
        if (inner is dict or inner is list) and _deeper_than(item, budget - 1):
            return True
    return False
