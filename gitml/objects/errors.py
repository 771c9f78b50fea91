"""Errors of the object store and the data verbs, all ``GitmlError`` subclasses with one-line messages."""

from __future__ import annotations

from gitml.errors import GitmlError, write_failure


class DataError(GitmlError):
    """A data file, digest or cache object cannot be used as asked."""


class SourceChanged(DataError):
    """A file changed between being hashed and being stored; running again fixes it."""


class IntegrityError(DataError):
    """Stored content no longer hashes to its name (a corrupt cache or remote object)."""


class RemoteError(GitmlError):
    """A data remote is misconfigured, unreachable or refuses an operation."""


def write_error(exc: OSError, what: str, kind: type[GitmlError] = DataError) -> GitmlError:
    """The one-line error for a failed write of ``what``: the disk's reason and what to do
    when the file system refused it (full, read-only), else ``kind`` with the OS's words."""
    return write_failure(exc, what) or kind(f"cannot write {what}: {exc.strerror or exc}")
