"""Data remotes on Google Cloud Storage, Azure Blob Storage, SSH servers and web servers.

One class over fsspec filesystems (``gcsfs``, ``adlfs``, ``sshfs``, fsspec's own HTTP
client), the libraries DVC's remotes are built on, so the same URLs and credentials work.
The layout is the cache's, ``<root>/<2 hex>/<30 hex>``. What is sent is hashed first, as
for S3 (a file that no longer matches its digest is never uploaded); what arrives is
written to a temporary file, verified and only then published (``stream``).
An object appears whole: object stores commit an upload only when it is complete, and on
an SSH server it is written under a temporary name and renamed. Where the back-end compares
what the store kept with what was sent (gcsfs with ``consistency="md5"``), an object kept
with other bytes is deleted and its push fails, so that a retry sends it again rather than
skipping it. An ``https://`` remote is read-only and cannot be listed, so its lookups are
one request per object.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitml.objects.digest import Digest, is_hex, parse_digest
from gitml.objects.errors import IntegrityError, RemoteError
from gitml.objects.remotes.base import Remote, Source, absent_object, oversized_remote_object
from gitml.objects.remotes.stream import CHUNK, hash_chunks, lookup_many, read_source, receive

if TYPE_CHECKING:
    from gitml.objects.progress import Progress

_LIST_THRESHOLD = 256  # up to this many digests, look each up; above, list the remote
_LOOKUP_JOBS = 16


class FsspecRemote(Remote):
    """A data remote on an fsspec filesystem ``fs`` under the path ``root``."""

    def __init__(
        self,
        url: str,
        fs: Any,
        root: str,
        *,
        errors: tuple[type[Exception], ...],
        hint: str,
        read_only: bool = False,
        rename: bool = False,
        check_path: str | None = None,
        mismatch: tuple[type[Exception], ...] = (),
    ) -> None:
        self.url = url
        self.fs = fs
        self.root = root.rstrip("/")
        self.read_only = read_only
        # A file system (SSH) has folders to make, and writes under a temporary name that is
        # then renamed into place; an object store has neither.
        self._rename = rename
        self._folders: set[str] = set()  # shard folders known to exist
        self._errors: tuple[type[Exception], ...] = (OSError, *errors)
        self._hint = hint
        self._check_path = check_path if check_path is not None else self.root
        # Raised by the back-end when the store reports other bytes than were sent.
        self._mismatch = mismatch

    def _path(self, digest: Digest) -> str:
        return f"{self.root}/{digest.hex[:2]}/{digest.hex[2:]}"

    def _error(self, exc: BaseException, action: str) -> RemoteError:
        return remote_error(self.url, exc, action=action, hint=self._hint)

    def check(self) -> None:
        """Probe the remote (bucket, container or folder); raise a one-line ``RemoteError``.

        A web server is only asked to answer: a listing of the root is not required.
        """
        if self.read_only:
            try:
                self.fs.cat_file(f"{self.root}/", start=0, end=1)
            except FileNotFoundError:
                return
            except self._errors as exc:
                raise self._error(exc, "a check") from exc
            return
        try:
            found = self.fs.exists(self._check_path)
        except self._errors as exc:
            raise self._error(exc, "a check") from exc
        if not found:
            raise RemoteError(
                f"data remote '{self.url}': '{self._check_path}' does not exist; create it "
                f"or fix the URL"
            )

    def _exists(self, digest: Digest) -> bool:
        return bool(self._run("a lookup", partial(self.fs.exists, self._path(digest))))

    def has_many(self, digests: Iterable[str]) -> set[Digest]:
        return lookup_many(
            digests,
            exists=self._exists,
            listing=None if self.read_only else self.iter_digests,
            threshold=_LIST_THRESHOLD,
            jobs=_LOOKUP_JOBS,
        )

    def _upload(self, digest: Digest, src_path: Source, progress: Progress | None) -> int:
        if self.read_only:
            raise RemoteError(
                f"data remote '{self.url}' is read-only (https://); push to the storage "
                f"behind it (a folder, s3://, gs://, azure:// or ssh://) instead"
            )
        data, size = read_source(src_path, digest)
        final = self._path(digest)
        target = f"{final}.{os.getpid()}.{os.urandom(6).hex()}.tmp" if self._rename else final
        folder = final.rpartition("/")[0]
        if self._rename and folder not in self._folders:
            self._run("an upload", partial(self.fs.makedirs, folder, exist_ok=True))
            self._folders.add(folder)
        try:
            if data is not None:
                self.fs.pipe_file(target, data)
            else:
                self.fs.put_file(os.fspath(src_path), target, callback=_callback(progress))
            if self._rename:
                self._publish(target, final)
        except self._mismatch as exc:
            if self._rename or not self._holds(digest):
                self._discard(target)
                raise self._stored_other_bytes(digest) from exc
        except self._errors as exc:
            if self._rename:
                self._discard(target)
            raise self._error(exc, "an upload") from exc
        return size

    def _publish(self, target: str, final: str) -> None:
        """Rename an uploaded temporary object into place (the same content may be there)."""
        try:
            self.fs.mv(target, final)
        except self._errors:
            if not self.fs.exists(final):
                raise
            self._discard(target)

    def _holds(self, digest: Digest) -> bool:
        """Whether the object stored as ``digest`` can be read and hashes to it.

        After a reported mismatch it still may: another push of the same object can land
        between the upload and this check.
        """
        try:
            return self.content_digest(digest) == digest
        except RemoteError:
            return False

    def _stored_other_bytes(self, digest: Digest) -> IntegrityError:
        return IntegrityError(
            f"data remote '{self.url}' stored object {digest} with other content than was "
            f"sent (the checksum it reported differs), so the stored copy was deleted; push "
            f"again, and if this repeats, check the remote and the network"
        )

    def _discard(self, path: str) -> None:
        try:
            self.fs.rm_file(path)
        except self._errors:
            pass  # a leftover temporary name is never read as an object

    def _open(self, digest: Digest) -> Any:
        try:
            # Read as a stream: a web server need not answer range requests.
            block_size = 0 if self.read_only else CHUNK
            return self.fs.open(self._path(digest), "rb", block_size=block_size)
        except FileNotFoundError:
            raise absent_object(self.url, digest) from None
        except self._errors as exc:
            raise self._error(exc, "a download") from exc

    def _download(
        self, digest: Digest, dest: Path, progress: Progress | None, max_bytes: int | None
    ) -> int:
        with self._open(digest) as source:
            if max_bytes is not None:
                size = self._said_size(source, digest)
                if size is not None and size > max_bytes:
                    raise oversized_remote_object(self.url, digest, size, max_bytes)
            chunks = iter(partial(source.read, CHUNK), b"")
            try:
                return receive(
                    chunks, dest, digest, url=self.url, progress=progress, max_bytes=max_bytes
                )
            except self._errors as exc:
                raise self._error(exc, "a download") from exc

    def _said_size(self, source: Any, digest: Digest) -> int | None:
        """The object's size as the store states it (None where it does not): the open
        file's, else the store's listing entry for it (one more request)."""
        size = getattr(source, "size", None)
        if size is None:
            try:
                size = self.fs.info(self._path(digest)).get("size")
            except self._errors:
                return None  # the bounded read still stops at the limit
        return size if isinstance(size, int) else None

    def _content_digest(self, digest: Digest) -> Digest:
        with self._open(digest) as source:
            chunks = iter(partial(source.read, CHUNK), b"")
            found: Digest = self._run("a download", partial(hash_chunks, chunks))
        return found

    def iter_digests(self) -> Iterator[Digest]:
        if self.read_only:
            raise RemoteError(f"data remote '{self.url}' cannot be listed (https://)")
        try:
            paths = self.fs.find(self.root)
        except FileNotFoundError:
            return
        except self._errors as exc:
            raise self._error(exc, "listing") from exc
        start = len(self.root) + 1
        for path in paths:
            rest = str(path)[start:] if str(path).startswith(self.root + "/") else ""
            if len(rest) == 33 and rest[2] == "/" and is_hex(rest[:2], 2) and is_hex(rest[3:], 30):
                yield Digest.from_hex(rest[:2] + rest[3:])

    def remove(self, digest: str) -> None:
        """Delete an object (an absent one is not an error)."""
        if self.read_only:
            raise RemoteError(f"data remote '{self.url}' is read-only (https://)")
        try:
            self.fs.rm_file(self._path(parse_digest(digest)))
        except FileNotFoundError:
            pass
        except self._errors as exc:
            raise self._error(exc, "a delete") from exc


def remote_error(url: str, exc: BaseException, *, action: str, hint: str) -> RemoteError:
    """One line naming the remote, the action and what to check."""
    if isinstance(exc, PermissionError):
        return RemoteError(
            f"data remote '{url}' denied {action}; check the credentials and permissions ({hint})"
        )
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return RemoteError(f"{action} failed on data remote '{url}': {reason} ({hint})")


def _callback(progress: Progress | None) -> Any:
    """An fsspec transfer callback reporting bytes to ``progress`` (None: fsspec's no-op)."""
    from fsspec.callbacks import Callback, NoOpCallback

    if progress is None:
        return NoOpCallback()
    sink = progress

    class Sent(Callback):  # type: ignore[misc]
        def relative_update(self, inc: int = 1) -> None:
            sink.update(nbytes=inc)

    return Sent()
