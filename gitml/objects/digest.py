"""Content digests: ``xxh3-128:<32 lowercase hex>``, computed in parallel.

xxh3 is a fast non-cryptographic hash: it detects changes and identifies content, it does
not defend against someone crafting collisions. The algorithm is spelled in every digest
so that another one can be added later without ambiguity.

Files are read with ``readv`` into a reused per-thread buffer of ``BUFFER_SIZE`` bytes and
fed to xxhash, which releases the GIL for large buffers, so big files hash in parallel on
threads. Small files are batched so that a task costs more than its scheduling.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import xxhash

from gitml.objects.errors import DataError

if TYPE_CHECKING:
    from concurrent.futures import Future

    from gitml.objects.progress import Progress

ALGORITHM = "xxh3-128"
PREFIX = ALGORITHM + ":"
BUFFER_SIZE = 1 << 20
BIG_FILE = 8 << 20
_BATCH_FILES = 256
_BATCH_BYTES = 16 << 20
_DIGEST_RE = re.compile(r"xxh3-128:[0-9a-f]{32}")
_HEX_RE = re.compile(r"[0-9a-f]{32}")

P = TypeVar("P", bound="str | os.PathLike[str]")
V = TypeVar("V")
Hashed = tuple["Digest", os.stat_result]


class Digest(str):
    """A validated ``xxh3-128:<hex>`` digest; compares equal to its string."""

    __slots__ = ()

    def __new__(cls, value: str) -> Digest:
        if not isinstance(value, str) or not _DIGEST_RE.fullmatch(value):
            raise DataError(
                f"invalid digest {value!r}: expected '{PREFIX}' followed by 32 lowercase hex digits"
            )
        return super().__new__(cls, value)

    @classmethod
    def from_hex(cls, hex32: str) -> Digest:
        """The digest of a 32-hex xxh3-128 value (as ``hexdigest()`` returns it)."""
        if not _HEX_RE.fullmatch(hex32):
            raise DataError(
                f"invalid xxh3-128 hex value {hex32!r}: expected 32 lowercase hex digits"
            )
        return str.__new__(cls, PREFIX + hex32)

    @property
    def hex(self) -> str:
        """The 32 hex digits without the algorithm prefix."""
        return self[len(PREFIX) :]


_HEX_CHARS = frozenset("0123456789abcdef")


def is_hex(name: str, length: int) -> bool:
    """Whether ``name`` is exactly ``length`` lowercase hex digits (object path parts)."""
    return len(name) == length and _HEX_CHARS.issuperset(name)


def parse_digest(value: str) -> Digest:
    """Validate ``value`` as a digest; raise ``DataError`` naming it otherwise."""
    if isinstance(value, Digest):
        return value
    return Digest(value)


def hash_bytes(data: bytes | bytearray | memoryview) -> Digest:
    """The digest of an in-memory buffer."""
    return str.__new__(Digest, PREFIX + xxhash.xxh3_128_hexdigest(data))


_local = threading.local()


def read_buffer() -> bytearray:
    """This thread's reusable read buffer of ``BUFFER_SIZE`` bytes."""
    buf: bytearray | None = getattr(_local, "buf", None)
    if buf is None:
        buf = _local.buf = bytearray(BUFFER_SIZE)
    return buf


def hash_fd(fd: int, progress: Progress | None = None, *, copy_to: int | None = None) -> Digest:
    """Hash an open file descriptor from its current offset to the end.

    With ``copy_to`` what is read is also written there, through the same buffer.
    """
    buf = read_buffer()
    view = memoryview(buf)
    hasher = xxhash.xxh3_128()
    while True:
        n = os.readv(fd, [buf])
        if not n:
            break
        chunk = view[:n]
        hasher.update(chunk)
        if copy_to is not None:
            written = 0
            while written < n:
                written += os.write(copy_to, chunk[written:])
        if progress is not None:
            progress.update(nbytes=n)
    return str.__new__(Digest, PREFIX + hasher.hexdigest())


def open_regular(
    path: str | os.PathLike[str], *, follow_symlinks: bool = True
) -> tuple[int, os.stat_result]:
    """Open a regular file for reading; raise ``DataError`` for anything else.

    With ``follow_symlinks=False`` a symlink raises ``OSError(ELOOP)`` (not wrapped).
    """
    flags = os.O_RDONLY | os.O_CLOEXEC | (0 if follow_symlinks else os.O_NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP and not follow_symlinks:
            raise
        raise DataError(f"cannot read '{os.fsdecode(path)}': {exc.strerror}") from exc
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise DataError(f"'{os.fsdecode(path)}' is not a regular file; only files can be hashed")
    return fd, st


def hash_file(path: str | os.PathLike[str], progress: Progress | None = None) -> Digest:
    """The digest of one file's content."""
    return hash_file_stat(path, progress)[0]


def hash_file_stat(
    path: str | os.PathLike[str], progress: Progress | None = None
) -> tuple[Digest, os.stat_result]:
    """The digest of one file and its ``fstat`` taken after reading it.

    Comparing that stat with one taken before shows whether the file was written while
    it was being read.
    """
    fd, _ = open_regular(path)
    try:
        return hash_fd(fd, progress), os.fstat(fd)
    except OSError as exc:
        raise DataError(f"cannot read '{os.fsdecode(path)}': {exc.strerror}") from exc
    finally:
        os.close(fd)


def default_jobs() -> int:
    """Worker threads to use when the caller does not say: the usable CPUs."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _file_size(path: str | os.PathLike[str]) -> int:
    try:
        return Path(path).stat().st_size
    except OSError as exc:
        raise DataError(f"cannot read '{os.fsdecode(path)}': {exc.strerror}") from exc


def hash_files(
    paths: Iterable[P],
    jobs: int | None = None,
    progress: Progress | None = None,
    sizes: Mapping[P, int] | None = None,
) -> dict[P, Digest]:
    """Hash many files in parallel; return ``{path: digest}`` keyed by the given paths.

    Big files (``BIG_FILE`` bytes or more) are one task each, largest first; smaller ones
    go in batches. ``sizes`` (e.g. from a stat the caller already made) only guides the
    scheduling and the progress totals; content is always read to its end.
    """
    hashed = hash_files_stat(paths, jobs, progress, sizes)
    return {path: digest for path, (digest, _) in hashed.items()}


def hash_files_stat(
    paths: Iterable[P],
    jobs: int | None = None,
    progress: Progress | None = None,
    sizes: Mapping[P, int] | None = None,
) -> dict[P, tuple[Digest, os.stat_result]]:
    """``hash_files``, with each file's ``fstat`` after reading it (see ``hash_file_stat``)."""
    items = [(p, sizes[p] if sizes is not None and p in sizes else _file_size(p)) for p in paths]
    if progress is not None:
        progress.phase("hashing", files=len(items), nbytes=sum(size for _, size in items))
    tasks: list[Callable[[], list[tuple[P, Hashed]]]] = []
    for item in sorted((it for it in items if it[1] >= BIG_FILE), key=lambda it: -it[1]):
        tasks.append(partial(_hash_big, item[0], progress))
    batch: list[tuple[P, int]] = []
    batch_bytes = 0
    for item in items:
        if item[1] >= BIG_FILE:
            continue
        batch.append(item)
        batch_bytes += item[1]
        if len(batch) >= _BATCH_FILES or batch_bytes >= _BATCH_BYTES:
            tasks.append(partial(_hash_batch, batch, progress))
            batch, batch_bytes = [], 0
    if batch:
        tasks.append(partial(_hash_batch, batch, progress))
    result: dict[P, Hashed] = {}
    for pairs in run_parallel(tasks, jobs):
        result.update(pairs)
    return result


def _hash_big(path: P, progress: Progress | None) -> list[tuple[P, Hashed]]:
    hashed = hash_file_stat(path, progress)
    if progress is not None:
        progress.update(files=1)
    return [(path, hashed)]


def _hash_batch(
    batch: Sequence[tuple[P, int]], progress: Progress | None
) -> list[tuple[P, Hashed]]:
    out = [(path, hash_file_stat(path)) for path, _ in batch]
    if progress is not None:
        # Small files report once per batch, not per read, to keep the progress lock cold.
        progress.update(files=len(batch), nbytes=sum(size for _, size in batch))
    return out


def run_parallel(tasks: Sequence[Callable[[], V]], jobs: int | None = None) -> list[V]:
    """Run ``tasks`` on up to ``jobs`` threads; results in task order; first error wins.

    On an error (or Ctrl-C) the tasks not yet started are cancelled, the running ones
    finish, and the error is re-raised.
    """
    jobs = default_jobs() if jobs is None else max(1, jobs)
    if jobs == 1 or len(tasks) <= 1:
        return [task() for task in tasks]
    from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait

    pool = ThreadPoolExecutor(max_workers=min(jobs, len(tasks)), thread_name_prefix="gitml")
    try:
        futures: list[Future[V]] = [pool.submit(task) for task in tasks]
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        for fut in futures:
            exc = fut.exception() if fut in done else None
            if exc is not None:
                raise exc
        return [fut.result() for fut in futures]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
