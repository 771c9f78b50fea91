"""Bring work-tree files into the cache: list, hash (via the stat cache), store.

This is the content half of ``git ml data add``; the caller then writes the manifest
record and the pointer file from ``AddResult.digests``.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from gitml.objects.cache import Cache, StoreMethod
from gitml.objects.digest import Digest, hash_bytes, hash_file
from gitml.objects.errors import DataError
from gitml.objects.leftovers import is_leftover, is_temp_name
from gitml.objects.listing import encode, folder_entries
from gitml.objects.pathguard import path_problem
from gitml.objects.statcache import FileStat, HashResult, StatCache, hash_with_cache

if TYPE_CHECKING:
    from gitml.objects.progress import Progress

SKIP = ".git"  # a nested repository, or a worktree's or submodule's git file


def list_files(
    root: str | os.PathLike[str],
    paths: Iterable[str | os.PathLike[str]],
    *,
    dirs: list[str] | None = None,
) -> list[str]:
    """The files under ``paths`` as sorted POSIX paths relative to ``root``.

    A directory contributes every regular file below it (``.git`` folders and files
    skipped, symlinks to files followed, symlinks to directories not descended into, and
    gitml's own temporary files left out -- those of killed processes are removed); a file
    contributes itself. Paths outside ``root``, missing paths and special files raise
    ``DataError``; so does a symlink whose target lies outside ``root`` (its content
    would not be the repository's). ``dirs``, if given, receives every folder walked.
    """
    base = Path(root).resolve()
    found: set[str] = set()
    for given in paths:
        path = Path(given) if Path(given).is_absolute() else base / given
        path = Path(os.path.normpath(path))
        try:
            rel = path.relative_to(base)
        except ValueError:
            raise DataError(f"'{given}' is outside the work tree '{base}'") from None
        try:
            st = path.stat()
        except FileNotFoundError:
            raise DataError(f"'{given}' does not exist") from None
        _check_inside(base, path, str(given))
        if stat.S_ISDIR(st.st_mode):
            found.update(_walk(path, rel.as_posix(), base, dirs))
        elif stat.S_ISREG(st.st_mode):
            found.add(rel.as_posix())
        else:
            raise DataError(f"'{given}' is not a regular file or directory")
    return sorted(found)


def _check_inside(base: Path, path: Path, shown: str) -> None:
    """Raise ``DataError`` if ``path`` resolves (through symlinks) outside ``base``, or
    into a ``.git`` folder there (git's files, its config with any credentials in it)."""
    target = Path(os.path.realpath(path))
    if target != base and not target.is_relative_to(base):
        raise DataError(
            f"'{shown}' is a symlink to '{target}', outside the work tree '{base}'; "
            f"copy the data into the repository instead"
        )
    if target != base and path_problem(target.relative_to(base).as_posix()) is not None:
        raise DataError(
            f"'{shown}' is a symlink to '{target}', inside git's own files (.git); "
            f"gitml never records them as data. Remove the link"
        )


def _walk(directory: Path, rel: str, base: Path, dirs: list[str] | None) -> Iterable[str]:
    stack = [(os.fspath(directory), "" if rel == "." else rel + "/")]
    while stack:
        path, prefix = stack.pop()
        if dirs is not None:
            dirs.append(prefix[:-1] or ".")
        with os.scandir(path) as entries:
            for entry in entries:
                name = prefix + entry.name
                if entry.name == SKIP:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    stack.append((entry.path, name + "/"))
                elif entry.name.endswith(".tmp") and is_temp_name(entry.name):
                    if is_leftover(entry.name):
                        with contextlib.suppress(OSError):
                            Path(entry.path).unlink()
                elif entry.is_file(follow_symlinks=True):
                    if entry.is_symlink():
                        _check_inside(base, Path(entry.path), name)
                    yield name
                elif not entry.is_symlink():
                    raise DataError(f"'{name}' is not a regular file; only files can be tracked")


class AddResult(NamedTuple):
    """What ``add_files`` did."""

    digests: dict[str, Digest]  # relpath -> digest, for every added file
    rehashed: frozenset[str]  # relpaths whose content was read (the rest hit the stat cache)
    stored: dict[str, StoreMethod]  # relpaths whose content entered the cache, and how
    recorded: tuple[tuple[str, FileStat, Digest], ...] = ()  # stat-cache entries written


def folder_digest(root: Path, folder: str) -> Digest:
    """The listing digest of ``folder`` (relative to ``root``), every file read now and
    nothing stored: what a run records for a folder, computed again to compare."""
    files = list_files(root, [folder])
    digests = {f: hash_file(root / f) for f in files}
    return hash_bytes(encode(folder_entries(root, folder, files, digests=digests)))


def add_files(
    root: str | os.PathLike[str],
    relpaths: Iterable[str],
    cache: Cache,
    statcache: StatCache,
    *,
    jobs: int | None = None,
    progress: Progress | None = None,
) -> AddResult:
    """Hash ``relpaths`` (only the changed ones are read) and store new content in ``cache``.

    Raises ``DataError`` if a path does not exist and ``SourceChanged`` if a file changes
    while being added (running again completes the add).
    """
    result = hash_with_cache(root, relpaths, statcache, jobs=jobs, progress=progress, record=False)
    if result.missing:
        raise DataError(f"'{min(result.missing)}' does not exist")
    return store_hashed(root, result, cache, statcache, jobs=jobs, progress=progress)


def store_hashed(
    root: str | os.PathLike[str],
    result: HashResult,
    cache: Cache,
    statcache: StatCache,
    *,
    jobs: int | None = None,
    progress: Progress | None = None,
) -> AddResult:
    """The second half of ``add_files``: store what ``hash_with_cache(record=False)`` found.

    Callers that inspect files between hashing and storing (profiles) use the two halves.
    """
    prefix = os.fspath(root) + os.sep
    first: dict[Digest, str] = {}
    for rel, digest in result.digests.items():
        first.setdefault(digest, rel)
    # Content read just now goes straight to ``store`` (which skips present objects);
    # for stat-cache hits one existence check avoids re-reading an unchanged file.
    todo = [
        (prefix + rel, digest)
        for digest, rel in first.items()
        if rel in result.rehashed or not cache.has(digest)
    ]
    sizes = {prefix + rel: result.stats[rel].size for rel in first.values() if rel in result.stats}
    methods = cache.store_many(todo, jobs=jobs, progress=progress, sizes=sizes)
    stored: dict[str, StoreMethod] = {
        path[len(prefix) :]: m for path, m in methods.items() if m is not StoreMethod.PRESENT
    }
    entries = _entries(prefix, result, stored)
    statcache.record(entries, result.stamp_ns)
    stamp = result.stamp_ns
    recorded = tuple(e for e in entries if stamp is not None and e[1].mtime_ns < stamp)
    return AddResult(
        digests=result.digests, rehashed=result.rehashed, stored=stored, recorded=recorded
    )


def _entries(
    prefix: str, result: HashResult, stored: dict[str, StoreMethod]
) -> list[tuple[str, FileStat, Digest]]:
    """Stat-cache entries for the files just read, recorded once they are in the cache.

    A hard link and its ``chmod`` move the file's ``ctime`` only: if size, inode and
    ``mtime`` are unchanged the content is too (the racy rule still applies), so the new
    stat is recorded and the next status need not read the file again.
    """
    entries = []
    for rel in result.steady:
        fs = result.stats[rel]
        if stored.get(rel) is StoreMethod.HARDLINK:
            try:
                now = FileStat.of(os.stat(prefix + rel))  # noqa: PTH116 - one per file
            except OSError:
                continue
            if now[:4] != fs[:4]:
                continue
            fs = now
        entries.append((rel, fs, result.digests[rel]))
    return entries
