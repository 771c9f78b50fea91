"""The error tree: every error a user should see derives from GitmlError.

Domain code raises; only ``gitml.cli.main`` catches, prints one line and exits with
the class's ``exit_code``.
"""

from __future__ import annotations

import errno
import os

SHOWN = 10


def listing(lines: list[str], shown: int = SHOWN) -> str:
    """Lines for a multi-line error: indented, the first ``shown``, then how many more."""
    out = "\n".join(f"  {line}" for line in lines[:shown])
    if len(lines) > shown:
        out += f"\n  ... and {len(lines) - shown} more"
    return out


class GitmlError(Exception):
    """A user-facing error with a one-line, fix-oriented message."""

    exit_code = 1


class NotARepository(GitmlError):
    """The directory is not inside a git repository."""


class UnsupportedRepository(GitmlError):
    """The repository exists but gitml cannot work with it (bare, reftable, shallow...)."""


class RecordNotFound(GitmlError):
    """No record matches an id, prefix or name."""


class AmbiguousId(GitmlError):
    """A prefix matches more than one record."""


class InvalidRecord(GitmlError):
    """A record or tracked file fails to parse or to validate against its schema."""


class ConfigError(GitmlError):
    """A settings file is malformed or names an unknown option."""


class RefConflict(GitmlError):
    """Someone else moved a ref between our read and our write; retry."""


class MergeConflict(GitmlError):
    """Two versions of a collection hold the same path with different bytes."""


class UsageError(GitmlError):
    """Arguments that parse but make no sense together."""

    exit_code = 2


class CheckFailed(GitmlError):
    """Governance findings of error severity."""


class WriteFailed(GitmlError):
    """The file system refused a write: full, over quota, read-only, not permitted."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code  # the errno


# What the OS says when it, not gitml, stops a write; libraries (libgit2, sqlite) pass the
# same text on in their own errors.
_REASONS = {
    errno.ENOSPC: "free some space and run again",
    errno.EDQUOT: "free some space (or raise the quota) and run again",
    errno.EFBIG: "the file system cannot hold a file this large",
    errno.EROFS: "the file system is mounted read-only",
    errno.EACCES: "check the permissions of the repository and the folder",
    errno.EPERM: "check the permissions of the repository and the folder",
    errno.EIO: "the disk reported an input/output error; check it",
}
_TEXTS = {os.strerror(code): code for code in _REASONS}
_TEXTS.update({"database or disk is full": errno.ENOSPC, "disk I/O error": errno.EIO})  # sqlite


def write_failure(exc: BaseException | str, what: str) -> WriteFailed | None:
    """A one-line error for a write the file system refused, or None if ``exc`` is not that.

    ``exc`` is an ``OSError``, or a library error (or a tool's message) whose text carries
    the OS's reason.
    """
    code = exc.errno if isinstance(exc, OSError) else None
    if code not in _REASONS:
        text = str(exc)
        code = next((c for t, c in _TEXTS.items() if t in text), None)
    if code is None:
        return None
    return WriteFailed(f"cannot write {what}: {os.strerror(code)}; {_REASONS[code]}", code)
