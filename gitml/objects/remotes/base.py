"""What every kind of data remote does (``Remote``), and the errors each reports alike.

A remote keeps the cache's layout, ``<root>/<2 hex>/<30 hex>``. Objects appear atomically
(temporary file and rename; an S3 PUT is atomic by itself) and every download is verified
against its digest; ``gitml.objects.remotes.open_remote`` opens any kind by its URL.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from gitml.objects.errors import IntegrityError

if TYPE_CHECKING:
    from gitml.objects.digest import Digest
    from gitml.objects.progress import Progress


@runtime_checkable
class Remote(Protocol):
    """What ``push`` and ``pull`` need from a data remote. Methods are thread-safe."""

    url: str

    def has_many(self, digests: Iterable[str]) -> set[Digest]:
        """Those of ``digests`` present on the remote."""
        ...

    def upload(
        self,
        digest: str,
        src_path: str | os.PathLike[str],
        *,
        progress: Progress | None = None,
    ) -> int:
        """Store the file ``src_path`` as ``digest``; returns the bytes sent.

        Raises ``IntegrityError`` (and sends nothing) if the file does not hash to ``digest``.
        Bytes are reported to ``progress`` as they are sent.
        """
        ...

    def download(
        self,
        digest: str,
        dest_path: str | os.PathLike[str],
        *,
        progress: Progress | None = None,
    ) -> int:
        """Write the object to ``dest_path``; returns its size.

        ``dest_path`` appears only complete and verified: on a hash mismatch the partial
        download is deleted and ``IntegrityError`` raised. Bytes are reported to
        ``progress`` as they arrive.
        """
        ...

    def iter_digests(self) -> Iterator[Digest]:
        """Every object on the remote."""
        ...

    def content_digest(self, digest: str) -> Digest:
        """What the object stored as ``digest`` hashes to now (it differs if corrupt).

        Raises ``RemoteError`` if there is no such object.
        """
        ...


def corrupt_remote_object(url: str, digest: str, actual: Digest) -> IntegrityError:
    return IntegrityError(
        f"object {digest} on data remote '{url}' is corrupt (its content hashes to {actual}); "
        f"replace it from a clone that has a good copy with `git ml data push --verify` "
        f"(`git ml model push NAME --verify` for a model artifact)"
    )


def corrupt_local_object(
    path: str | os.PathLike[str], digest: str, actual: Digest
) -> IntegrityError:
    return IntegrityError(
        f"'{os.fsdecode(path)}' should hold {digest} but hashes to {actual}; "
        f"it was not uploaded. Delete it and add or pull it again"
    )
