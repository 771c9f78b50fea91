"""The directory remote: a local or mounted folder that is simply another cache.

It keeps the cache's layout, ``<root>/<2 hex>/<30 hex>``; objects appear atomically
(temporary file and rename) and every download is verified against its digest.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from gitml.objects.cache import OBJECT_MODE, TEMP_DIR, digests_in
from gitml.objects.digest import Digest, hash_fd, open_regular, parse_digest
from gitml.objects.errors import DataError, RemoteError, write_error
from gitml.objects.fileio import unlink_quietly, write_verified
from gitml.objects.remotes.base import (
    Remote,
    Source,
    absent_object,
    corrupt_local_object,
    corrupt_remote_object,
)

if TYPE_CHECKING:
    from gitml.objects.progress import Progress

_LIST_THRESHOLD = 2048  # above this many digests, list the shards instead of stat-ing each


class DirectoryRemote(Remote):
    """A remote in a local or mounted directory (which must exist)."""

    def __init__(self, path: str | os.PathLike[str], *, durable: bool = True) -> None:
        self.root = Path(path)
        self.url = os.fspath(path)
        self.durable = durable
        self.temp_dir = self.root / TEMP_DIR

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

    def _upload(self, digest: Digest, src_path: Source, progress: Progress | None) -> int:
        fd, st = open_regular(src_path)
        try:
            write_verified(
                fd,
                self._object(digest),
                digest,
                temp_dir=self.temp_dir,
                mismatch=lambda actual: corrupt_local_object(src_path, digest, actual),
                mode=OBJECT_MODE,
                durable=self.durable,
                progress=progress,
            )
        except OSError as exc:
            raise write_error(exc, f"to data remote '{self.url}'", RemoteError) from exc
        finally:
            os.close(fd)
        return st.st_size

    def _download(self, digest: Digest, dest: Path, progress: Progress | None) -> int:
        try:
            fd, st = open_regular(self._object(digest))
        except DataError:
            raise absent_object(self.url, digest) from None
        try:
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
        path = self._object(digest)
        existed = path.exists()
        unlink_quietly(path)
        return existed
