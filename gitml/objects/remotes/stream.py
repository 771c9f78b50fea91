"""Moving one object over the network, verified at both ends (S3 and fsspec remotes).

``lookup_many`` asks which objects are there; ``read_source`` hashes what is about to be sent (a file that no longer matches its digest
is never uploaded); ``receive`` writes what arrives into a temporary file beside the
destination and publishes it only once it hashes to the expected digest, so a broken or
corrupt download never appears under the object's name.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import xxhash

from gitml.errors import GitmlError
from gitml.objects.digest import (
    BIG_FILE,
    Digest,
    hash_bytes,
    hash_file,
    open_regular,
    parse_digest,
    run_parallel,
)
from gitml.objects.errors import write_error
from gitml.objects.fileio import create_temp, publish, unlink_quietly, write_all
from gitml.objects.remotes.base import (
    corrupt_local_object,
    corrupt_remote_object,
    oversized_remote_object,
)

if TYPE_CHECKING:
    from gitml.objects.progress import Progress

CHUNK = 1 << 20


def lookup_many(
    digests: Iterable[str],
    *,
    exists: Callable[[Digest], bool],
    listing: Callable[[], Iterable[Digest]] | None,
    threshold: int,
    jobs: int,
) -> set[Digest]:
    """Those of ``digests`` a remote holds: each asked for with ``exists``, ``jobs`` at a
    time, or, when there are more than ``threshold`` and the remote can be listed, listed."""
    wanted = sorted({parse_digest(d) for d in digests})
    if listing is not None and len(wanted) > threshold:
        return set(wanted) & set(listing())
    found = run_parallel([partial(exists, d) for d in wanted], jobs)
    return {d for d, present in zip(wanted, found, strict=True) if present}


def read_source(src_path: str | os.PathLike[str], digest: Digest) -> tuple[bytes | None, int]:
    """A small file's bytes (None for a big one, sent from disk) and its size, verified.

    Raises ``IntegrityError`` if the file does not hash to ``digest``.
    """
    fd, st = open_regular(src_path)
    try:
        if st.st_size < BIG_FILE:
            data: bytes | None = _read_all(fd, st.st_size)
            actual = hash_bytes(data or b"")
        else:
            data, actual = None, hash_file(src_path)
    finally:
        os.close(fd)
    if actual != digest:
        raise corrupt_local_object(src_path, digest, actual)
    return data, st.st_size


def _read_all(fd: int, size: int) -> bytes:
    parts = []
    while True:
        chunk = os.read(fd, max(size, CHUNK))
        if not chunk:
            break
        parts.append(chunk)
    return b"".join(parts)


def hash_chunks(chunks: Iterable[bytes]) -> Digest:
    """The digest of a stream of bytes."""
    hasher = xxhash.xxh3_128()
    for chunk in chunks:
        hasher.update(chunk)
    return Digest.from_hex(hasher.hexdigest())


def receive(
    chunks: Iterable[bytes],
    dest: Path,
    digest: Digest,
    *,
    url: str,
    progress: Progress | None = None,
    max_bytes: int | None = None,
) -> int:
    """Write ``chunks`` (the object ``digest`` from remote ``url``) to ``dest``; its size.

    The file appears only complete and verified: on a mismatch ``IntegrityError`` is raised
    and nothing is left behind. With ``max_bytes``, ``TooLarge`` is raised (and nothing
    left) as soon as more than that arrives, before it is written. Errors reading
    ``chunks`` pass through for the caller to name; a failed local write is one line
    saying why (a full or read-only disk included).
    """
    hasher = xxhash.xxh3_128()
    size = 0
    fd, tmp = create_temp(dest.parent, dest.name)
    try:
        try:
            for chunk in chunks:
                size += len(chunk)
                if max_bytes is not None and size > max_bytes:
                    raise oversized_remote_object(url, digest, None, max_bytes)
                hasher.update(chunk)
                _write_all(fd, chunk, dest)
                if progress is not None:
                    progress.update(nbytes=len(chunk))
            actual = Digest.from_hex(hasher.hexdigest())
            if actual != digest:
                raise corrupt_remote_object(url, digest, actual)
            try:
                os.fsync(fd)
            except OSError as exc:
                raise _write_failed(dest, exc) from exc
        finally:
            os.close(fd)
        try:
            publish(tmp, dest)
        except OSError as exc:
            raise _write_failed(dest, exc) from exc
    except BaseException:
        unlink_quietly(tmp)
        raise
    return size


def _write_all(fd: int, chunk: bytes, dest: Path) -> None:
    try:
        write_all(fd, chunk)
    except OSError as exc:
        raise _write_failed(dest, exc) from exc


def _write_failed(dest: Path, exc: OSError) -> GitmlError:
    return write_error(exc, f"'{dest}'")
