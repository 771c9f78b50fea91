"""What every kind of data remote does (``Remote``), and the errors each reports alike.

A remote keeps the cache's layout, ``<root>/<2 hex>/<30 hex>``. Objects appear atomically
(temporary file and rename; an S3 PUT is atomic by itself) and every download is verified
against its digest; ``gitml.objects.remotes.open_remote`` opens any kind by its URL.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from gitml.objects.digest import Digest, parse_digest
from gitml.objects.errors import IntegrityError, RemoteError, TooLarge, too_large

if TYPE_CHECKING:
    from gitml.objects.progress import Progress


Source = str | os.PathLike[str]
_T = TypeVar("_T")


class Remote(ABC):
    """What ``push`` and ``pull`` need from a data remote. Methods are thread-safe.

    The public methods take digests as text and parse them once here; a kind of remote
    implements the underscored ones, which are given ``Digest``s.
    """

    url: str
    _errors: tuple[type[Exception], ...] = ()  # what the back-end raises

    def _error(self, exc: Exception, action: str) -> RemoteError:
        """One line naming the remote and the failed action (a kind may say more)."""
        return RemoteError(f"{action} failed on data remote '{self.url}': {exc}")

    def _run(self, action: str, call: Callable[[], _T]) -> _T:
        """``call()``, the back-end's errors raised as one-line ``RemoteError``s."""
        try:
            return call()
        except self._errors as exc:
            raise self._error(exc, action) from exc

    @abstractmethod
    def check(self) -> None:
        """Raise a one-line ``RemoteError`` unless the remote answers and exists."""

    @abstractmethod
    def has_many(self, digests: Iterable[str]) -> set[Digest]:
        """Those of ``digests`` present on the remote."""

    def upload(self, digest: str, src_path: Source, *, progress: Progress | None = None) -> int:
        """Store the file ``src_path`` as ``digest``; returns the bytes sent.

        Raises ``IntegrityError`` (and sends nothing) if the file does not hash to ``digest``.
        Bytes are reported to ``progress`` as they are sent.
        """
        return self._upload(parse_digest(digest), src_path, progress)

    def download(
        self,
        digest: str,
        dest_path: Source,
        *,
        progress: Progress | None = None,
        max_bytes: int | None = None,
    ) -> int:
        """Write the object to ``dest_path``; returns its size.

        ``dest_path`` appears only complete and verified: on a hash mismatch the partial
        download is deleted and ``IntegrityError`` raised. Bytes are reported to
        ``progress`` as they arrive. With ``max_bytes`` (for objects read whole into
        memory: manifests, file lists) a larger object is ``TooLarge``: refused before
        its bytes are fetched where the remote says its size, else once more arrive.
        """
        return self._download(parse_digest(digest), Path(dest_path), progress, max_bytes)

    def content_digest(self, digest: str) -> Digest:
        """What the object stored as ``digest`` hashes to now (it differs if corrupt).

        Raises ``RemoteError`` if there is no such object.
        """
        return self._content_digest(parse_digest(digest))

    @abstractmethod
    def iter_digests(self) -> Iterator[Digest]:
        """Every object on the remote."""

    @abstractmethod
    def _upload(self, digest: Digest, src_path: Source, progress: Progress | None) -> int: ...

    @abstractmethod
    def _download(
        self, digest: Digest, dest: Path, progress: Progress | None, max_bytes: int | None
    ) -> int: ...

    @abstractmethod
    def _content_digest(self, digest: Digest) -> Digest: ...


def absent_object(url: str, digest: str) -> RemoteError:
    return RemoteError(f"object {digest} is not on data remote '{url}'")


def oversized_remote_object(url: str, digest: str, size: int | None, limit: int) -> TooLarge:
    return too_large(f"object {digest} on data remote '{url}'", size=size, limit=limit)


def corrupt_remote_object(url: str, digest: str, actual: Digest) -> IntegrityError:
    return IntegrityError(
        f"object {digest} on data remote '{url}' is corrupt (its content hashes to {actual}); "
        f"replace it from a clone that has a good copy with `git ml data push --verify` "
        f"(`git ml model push NAME --verify` for a model artifact)"
    )


def corrupt_local_object(path: Source, digest: str, actual: Digest) -> IntegrityError:
    return IntegrityError(
        f"'{os.fsdecode(path)}' should hold {digest} but hashes to {actual}; "
        f"it was not uploaded. Delete it and add or pull it again"
    )
