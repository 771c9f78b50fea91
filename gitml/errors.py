"""The error tree: every error a user should see derives from GitmlError.

Domain code raises; only ``gitml.cli.main`` catches, prints one line and exits with
the class's ``exit_code``.
"""

from __future__ import annotations

# The exit status of `git ml monitor` and `git ml scan` when a finding is over its
# threshold: neither success nor an error, and apart from typer's 2 for a bad command
# line, so cron and CI can tell an alert from a mistake (EXIT STATUS in the man page).
ALERT_EXIT = 4

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
