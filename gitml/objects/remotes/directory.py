"""The directory remote: a local or mounted folder that is simply another cache.

It keeps the cache's layout, ``<root>/<2 hex>/<30 hex>``; objects appear atomically
(temporary file and rename) and every download is verified against its digest.

Whoever else can write to the folder may have turned a shard into a symbolic link (to a
folder that runs what it holds, such as ``/etc/cron.d``, or one of the user's own), so
every write and delete reaches its shard through one helper, ``_shard_fd``
(``openat(O_NOFOLLOW)``), and names the object (or its temporary file) only relative to
that open folder: a link stops the upload or removal instead of redirecting it. Reads may
follow links: what they bring is verified.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from gitml.objects.cache import OBJECT_MODE, digests_in
from gitml.objects.digest import Digest, hash_fd, open_regular, parse_digest
from gitml.objects.errors import DataError, RemoteError, write_error
from gitml.objects.fileio import write_verified
from gitml.objects.remotes.base import (
    Remote,
    Source,
    absent_object,
    corrupt_local_object,
    corrupt_remote_object,
    oversized_remote_object,
)
from gitml.objects.remotes.stream import CHUNK, receive

if TYPE_CHECKING:
    from gitml.objects.progress import Progress

_LIST_THRESHOLD = 2048  # above this many digests, list the shards instead of stat-ing each
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class DirectoryRemote(Remote):
    """A remote in a local or mounted directory (which must exist)."""

    def __init__(self, path: str | os.PathLike[str], *, durable: bool = True) -> None:
        self.root = Path(path)
        self.url = os.fspath(path)
        self.durable = durable

    def check(self) -> None:
        """Raise ``RemoteError`` unless the directory exists."""
        if not self.root.is_dir():
            raise RemoteError(
                f"data remote '{self.url}' is not a directory; create it, or check that its "
                f"volume is mounted"
            )

    def _object(self, digest: str) -> Path:
        hex32 = parse_digest(digest).hex
        return self.root / hex32[:2] / hex32[2:]

    def has_many(self, digests: Iterable[str]) -> set[Digest]:
        wanted = {parse_digest(d) for d in digests}
        if len(wanted) > _LIST_THRESHOLD:
            return wanted & set(self.iter_digests())
        return {d for d in wanted if self._object(d).exists()}

    def _shard_fd(self, shard: str, *, create: bool = True) -> int:
        """The shard folder opened without following a link, for a write or a delete.

        Made if missing when ``create`` (else a missing one is ``FileNotFoundError``); a
        shard that is a symbolic link or a file is a one-line ``RemoteError`` naming it.
        """
        root = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            if create:
                try:
                    os.mkdir(shard, 0o777, dir_fd=root)
                except FileExistsError:
                    pass
            try:
                return os.open(shard, _DIR_FLAGS, dir_fd=root)
            except OSError as exc:
                if exc.errno not in (errno.ELOOP, errno.ENOTDIR):
                    raise
            raise RemoteError(
                f"data remote '{self.url}': '{shard}' is a symbolic link or a file, not a "
                f"folder; gitml never writes or deletes through it. Whoever keeps the "
                f"remote should remove it"
            )
        finally:
            os.close(root)

    def _upload(self, digest: Digest, src_path: Source, progress: Progress | None) -> int:
        hex32 = digest.hex
        fd, st = open_regular(src_path)
        try:
            shard = self._shard_fd(hex32[:2])
            try:
                write_verified(
                    fd,
                    Path(hex32[2:]),
                    digest,
                    temp_dir=Path(),  # unused: made beside the object, in its shard
                    mismatch=lambda actual: corrupt_local_object(src_path, digest, actual),
                    mode=OBJECT_MODE,
                    durable=self.durable,
                    progress=progress,
                    dir_fd=shard,
                )
            finally:
                os.close(shard)
        except OSError as exc:
            raise write_error(exc, f"to data remote '{self.url}'", RemoteError) from exc
        finally:
            os.close(fd)
        return st.st_size

    def _download(
        self, digest: Digest, dest: Path, progress: Progress | None, max_bytes: int | None
    ) -> int:
        try:
            fd, st = open_regular(self._object(digest))
        except DataError:
            raise absent_object(self.url, digest) from None
        try:
            if max_bytes is not None:
                if st.st_size > max_bytes:
                    raise oversized_remote_object(self.url, digest, st.st_size, max_bytes)
                # Read through the bounded stream: the file may grow after the stat.
                chunks = iter(partial(os.read, fd, CHUNK), b"")
                return receive(
                    chunks, dest, digest, url=self.url, progress=progress, max_bytes=max_bytes
                )
            write_verified(
                fd,
                dest,
                digest,
                temp_dir=dest.parent,
                mismatch=lambda actual: corrupt_remote_object(self.url, digest, actual),
                durable=self.durable,
                progress=progress,
            )
        except OSError as exc:
            raise write_error(exc, f"downloaded object {digest} into '{dest.parent}'") from exc
        finally:
            os.close(fd)
        return st.st_size

    def _content_digest(self, digest: Digest) -> Digest:
        try:
            fd, _st = open_regular(self._object(digest))
        except DataError:
            raise absent_object(self.url, digest) from None
        try:
            return hash_fd(fd)
        finally:
            os.close(fd)

    def iter_digests(self) -> Iterator[Digest]:
        try:
            shards = list(os.scandir(self.root))
        except OSError as exc:
            raise RemoteError(f"cannot list data remote '{self.url}': {exc.strerror}") from exc
        yield from digests_in(shards)

    def remove(self, digest: str) -> bool:
        """Delete an object; returns whether it was there."""
        hex32 = parse_digest(digest).hex
        try:
            shard = self._shard_fd(hex32[:2], create=False)
            try:
                os.unlink(hex32[2:], dir_fd=shard)
            finally:
                os.close(shard)
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise RemoteError(
                f"cannot delete object {digest} from data remote '{self.url}': "
                f"{exc.strerror or exc}"
            ) from exc
        return True
