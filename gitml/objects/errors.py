"""Errors of the object store and the data verbs, all ``GitmlError`` subclasses with one-line messages."""

from __future__ import annotations

from gitml.errors import GitmlError, write_failure
from gitml.units import format_bytes


class DataError(GitmlError):
    """A data file, digest or cache object cannot be used as asked."""


class SourceChanged(DataError):
    """A file changed between being hashed and being stored; running again fixes it."""


class IntegrityError(DataError):
    """Stored content no longer hashes to its name (a corrupt cache or remote object)."""


class TooLarge(DataError):
    """An object larger than gitml reads of its kind (a manifest, a file list): refused
    before its bytes are fetched or read, or as soon as more than ``limit`` arrive."""

    def __init__(self, message: str, *, size: int | None, limit: int) -> None:
        super().__init__(message)
        self.size = size  # None: the remote did not say, and more than ``limit`` arrived
        self.limit = limit


def too_large(what: str, *, size: int | None, limit: int) -> TooLarge:
    """``TooLarge`` saying how big ``what`` is against ``limit``."""
    amount = f"more than {format_bytes(limit)}" if size is None else format_bytes(size)
    return TooLarge(
        f"{what} is {amount}, over the {format_bytes(limit)} limit", size=size, limit=limit
    )


class RemoteError(GitmlError):
    """A data remote is misconfigured, unreachable or refuses an operation."""


def write_error(exc: OSError, what: str, kind: type[GitmlError] = DataError) -> GitmlError:
    """The one-line error for a failed write of ``what``: the disk's reason and what to do
    when the file system refused it (full, read-only), else ``kind`` with the OS's words."""
    return write_failure(exc, what) or kind(f"cannot write {what}: {exc.strerror or exc}")
