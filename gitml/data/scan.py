"""What a dataset's files are in the work tree now, and how they differ from a version.

Paths here are POSIX paths relative to the repository root. Digests come through the
stat cache, so an unchanged file costs one ``stat``.
"""

from __future__ import annotations

import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from gitml.data.manifest import DatasetKind
from gitml.objects.digest import Digest
from gitml.objects.errors import DataError
from gitml.objects.ingest import list_files
from gitml.objects.statcache import FileStat, StatCache, hash_with_cache

if TYPE_CHECKING:
    from gitml.data.store import DatasetVersion


class FileState(NamedTuple):
    """A file's content digest and size."""

    digest: Digest
    size: int


def dataset_root(path: str, kind: DatasetKind) -> str:
    """The folder a version's listing paths are relative to ('' for the repository root)."""
    if kind is DatasetKind.DIRECTORY:
        return path
    return path.rpartition("/")[0]


def expected(path: str, version: DatasetVersion) -> dict[str, FileState]:
    """The files ``version`` puts at ``path``, by repository-relative path."""
    root = dataset_root(path, version.manifest.kind)
    prefix = f"{root}/" if root else ""
    if version.manifest.kind is DatasetKind.FILE:
        entry = version.entries[0] if version.entries else None
        return {path: FileState(entry.digest, entry.size)} if entry is not None else {}
    return {prefix + e.path: FileState(e.digest, e.size) for e in version.entries}


def present(workdir: Path, path: str, dirs: list[str] | None = None) -> list[str]:
    """The files at ``path`` in the work tree now (a folder's files, a file, or none).

    ``dirs``, if given, receives the folders walked (for a folder dataset).
    """
    try:
        st = (workdir / path).stat()
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as exc:
        raise DataError(f"cannot stat '{path}': {exc.strerror}") from None
    if stat.S_ISDIR(st.st_mode):
        return list_files(workdir, [path], dirs=dirs)
    return [path]


def hash_present(
    workdir: Path, relpaths: Iterable[str], statcache: StatCache, *, jobs: int | None = None
) -> dict[str, FileState]:
    """Digest and size of each of ``relpaths`` that exists (vanished ones are left out)."""
    return scan_files(workdir, relpaths, statcache, jobs=jobs)[0]


def scan_files(
    workdir: Path, relpaths: Iterable[str], statcache: StatCache, *, jobs: int | None = None
) -> tuple[dict[str, FileState], dict[str, FileStat], int | None]:
    """``hash_present`` plus each file's stat and the racy-timestamp stamp taken first."""
    result = hash_with_cache(workdir, relpaths, statcache, jobs=jobs)
    current = {
        rel: FileState(digest, result.stats[rel].size) for rel, digest in result.digests.items()
    }
    return current, result.stats, result.stamp_ns


@dataclass(frozen=True, slots=True)
class Changes:
    """Differences between two sets of files: what ``new`` adds, removes and changes."""

    added: tuple[str, ...]
    deleted: tuple[str, ...]
    modified: tuple[str, ...]

    @property
    def clean(self) -> bool:
        return not (self.added or self.deleted or self.modified)


def compare(old: Mapping[str, FileState], new: Mapping[str, FileState]) -> Changes:
    added = tuple(sorted(p for p in new if p not in old))
    deleted = tuple(sorted(p for p in old if p not in new))
    modified = tuple(sorted(p for p, s in new.items() if p in old and old[p].digest != s.digest))
    return Changes(added, deleted, modified)
