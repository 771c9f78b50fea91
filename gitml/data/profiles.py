"""Profiles of the tabular files in a dataset, computed at ``add`` and kept by content.

A profile (``schemas/profile.schema.json``) depends only on a file's bytes, so it is
stored once per content digest at ``profiles/<shard>/<digest hex>.toml`` on
``refs/gitml/data``: re-adding a folder profiles only the tables that changed, and a
manifest's digest depends on the data alone, not on whether pyarrow was installed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitml.errors import GitmlError
from gitml.objects.digest import Digest
from gitml.objects.errors import DataError
from gitml.records import codec
from gitml.records.typed import typed
from gitml.tabular import _deps
from gitml.tabular.profile import profile_table

if TYPE_CHECKING:
    from gitml.records.shapes import ProfileRecord

MAX_PER_ADD = 32


_TABULAR = (".csv", ".tsv", ".parquet", ".pq", ".jsonl", ".ndjson")
_COMPRESSED = tuple(f"{ext}{z}" for ext in _TABULAR for z in (".gz", ".bz2", ".zst", ".lz4"))


def is_tabular(path: str) -> bool:
    """Whether ``path`` names a CSV, TSV, Parquet or JSON-lines file (by extension).

    The same extensions ``gitml.tabular.read.detect_format`` knows, checked without
    building a path object (this runs once per file of a dataset).
    """
    name = path.lower()
    return name.endswith(_TABULAR) or name.endswith(_COMPRESSED)


@dataclass
class ProfileRun:
    """Profiles made by one ``add`` (by content digest) and what was left out."""

    made: dict[Digest, bytes] = field(default_factory=dict)
    paths: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def profile_files(
    workdir: Path,
    candidates: Iterable[tuple[str, Digest]],
    *,
    known: Any,
    limit: int = MAX_PER_ADD,
) -> ProfileRun:
    """Profile each tabular ``(relpath, digest)`` whose content has no profile yet.

    ``known(digest)`` says whether a profile exists. A file that cannot be read as a table
    (ragged CSV rows, bad Parquet) raises ``DataError`` naming the file and the line.
    """
    run = ProfileRun()
    todo: list[tuple[str, Digest]] = []
    seen: set[Digest] = set()
    for rel, digest in candidates:
        if digest in seen or not is_tabular(rel) or known(digest):
            continue
        seen.add(digest)
        todo.append((rel, digest))
    if not todo:
        return run

    try:
        _deps.require()
    except _deps.MissingExtra:
        run.notes.append(
            f"{len(todo)} tabular file(s) not profiled: pyarrow is not installed "
            f"(pip install 'gitml[tabular]', then add again)"
        )
        return run
    if len(todo) > limit:
        run.notes.append(
            f"profiled the first {limit} of {len(todo)} new tabular files; add the rest "
            f"again to profile {limit} more"
        )
        todo = todo[:limit]

    prefix = f"{workdir}/"
    for rel, digest in todo:
        try:
            profile = profile_table(workdir / rel)
        except GitmlError as exc:
            message = str(exc).replace(prefix, "")
            raise DataError(
                f"{message} (profiling for `data add`; fix the file, or add it with --no-profile)"
            ) from None
        run.made[digest] = codec.dump_bytes(profile)
        run.paths.append(rel)
    return run


def load_profile(data: bytes, *, where: str) -> ProfileRecord:
    """A stored profile, validated against ``schemas/profile.schema.json``."""
    return typed(codec.loads(data, where=where), "profile", where=where)
