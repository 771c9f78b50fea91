"""Small cache objects read and written whole: manifests, file listings of folders.

``put_bytes`` writes one atomically under its digest; ``read_object`` returns one only if it
still hashes to its name (a corrupt one is removed) and is no larger than its kind may be
(``records.limits``), so an object a record names as a manifest or file list but which is
a big data file is refused by its size, never read whole; a file listing (a folder output)
is recognised by its first bytes, so other objects are never read in full to find out.
"""

from __future__ import annotations

import os

from gitml.objects.cache import OBJECT_MODE, Cache
from gitml.objects.digest import Digest, hash_bytes
from gitml.objects.errors import DataError, too_large, write_error
from gitml.objects.fileio import create_temp, publish, unlink_quietly, write_all
from gitml.objects.listing import MAGIC, decode
from gitml.records.limits import MAX_LISTING_BYTES


def put_bytes(cache: Cache, data: bytes) -> Digest:
    """Store ``data`` as a cache object (atomically); returns its digest."""
    digest = hash_bytes(data)
    if cache.has(digest):
        return digest
    try:
        _write_object(cache, digest, data)
    except OSError as exc:
        raise write_error(exc, f"cache object {digest}") from None
    return digest


def _write_object(cache: Cache, digest: Digest, data: bytes) -> None:
    fd, tmp = create_temp(cache.temp_dir, digest.hex)
    try:
        try:
            write_all(fd, data)
            os.fchmod(fd, OBJECT_MODE)
            if cache.durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        publish(tmp, cache.path_of(digest))
    except BaseException:
        unlink_quietly(tmp)
        raise


def read_object(
    cache: Cache, digest: Digest, *, max_bytes: int = MAX_LISTING_BYTES
) -> bytes | None:
    """A small cache object's bytes if present and intact (a corrupt one is removed).

    One over ``max_bytes`` is ``TooLarge``, found by its size before a byte is read.
    """
    try:
        with open(cache.path_of(digest), "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > max_bytes:
                raise too_large(f"cache object {digest}", size=size, limit=max_bytes)
            data = handle.read(size + 1)  # one more: a file that grew since fails its hash
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise DataError(f"cannot read cache object {digest}: {exc.strerror}") from None
    if hash_bytes(data) != digest:
        cache.remove(digest)
        return None
    return data


def read_listing_object(
    cache: Cache, digest: Digest, *, max_bytes: int = MAX_LISTING_BYTES
) -> bytes | None:
    """A cache object's bytes if it is a file listing (a folder output), else ``None``.

    Only the first bytes of other objects are read, however large they are; a listing
    over ``max_bytes`` (``data.max_listing_mb``) is ``TooLarge`` (``read_object``).
    """
    try:
        with open(cache.path_of(digest), "rb") as handle:
            if handle.read(len(MAGIC)) != MAGIC:
                return None
    except OSError:
        return None
    return read_object(cache, digest, max_bytes=max_bytes)


def output_objects(
    cache: Cache, digest: Digest, *, max_bytes: int = MAX_LISTING_BYTES
) -> set[Digest]:
    """The cache objects a recorded output needs: itself and, for a folder, its files
    (its listing read up to ``max_bytes``, as ``read_listing_object`` says)."""
    found = {digest}
    data = read_listing_object(cache, digest, max_bytes=max_bytes)
    if data is not None:
        found |= {e.digest for e in decode(data, where=f"output {digest}")}
    return found
