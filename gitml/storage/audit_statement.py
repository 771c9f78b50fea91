"""Audit statements: the record tips a signed index snapshot says were audited clean.

``git ml index publish`` audits every record ref first (append-only history, every record
valid, each filed where its layout says) and refuses to publish otherwise; the snapshot's
``snapshot.json`` then names the tip of each ref it audited (``index_snapshot.AUDITED``).
A reader that trusts the statement audits only the commits after those tips: a stated
tip that is an ancestor of the ref's tip is named by its commit id, so the history
behind it is, object for object, the history that was audited.

A statement is trusted only when

- its snapshot commit carries an SSH signature ``git verify-commit`` accepts against the
  allowed-signers file the local configuration names in ``gitml.index.signers``, and that
  file lies outside the work tree (a pull request cannot bring its own key, nor its own
  signed snapshot);
- it was made by this gitml version (the same history and record rules);
- every tip it states is an ancestor of (or is) the tip of its ref here, so nothing
  before it was rewritten.

Anything else is one warning line, and the whole history is audited. A ref the statement
does not name is audited whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from gitml._version import __version__
from gitml.storage import COLLECTION_REFS, RUNS_REF
from gitml.storage.history import is_ancestor
from gitml.storage.index_snapshot import (
    AUDITED,
    FORMAT,
    SIGNERS_KEY,
    SnapshotRefused,
    check_signature,
    snapshot_commits,
    snapshot_meta,
    warn,
)
from gitml.storage.repo import GitRepo

_SHA = re.compile(r"[0-9a-f]{40}")


def stated_tips(repo: GitRepo, tips: Mapping[str, str | None]) -> dict[str, str]:
    """The audited tip to start from for each ref of ``tips`` (ref -> its tip here), from
    the first trusted statement; ``{}`` (the full audit) when none is trusted.

    Without ``gitml.index.signers`` no statement is read; with it, a statement that fails
    a check costs one warning line naming the snapshot and why.
    """
    stated, refused = _first_statement(
        repo, lambda commit, signers: _trusted(repo, commit, signers=signers, tips=tips)
    )
    if stated is None and refused is not None:
        warn(
            f"not using the audit statement of the index snapshot {refused}; auditing "
            "the whole record history"
        )
    return stated or {}


def signed_statement(repo: GitRepo) -> dict[str, str]:
    """The tips the first statement that passes every check but the last (signature,
    signers file, gitml version, form) names, before any history is here to hold them:
    what a first pull fetches first. ``{}`` when none does; no warning (the audit after the
    fetch judges the statement again, all checks included, and says why it is not used)."""
    stated, _refused = _first_statement(
        repo, lambda commit, signers: _signed(repo, commit, signers=signers)
    )
    return stated or {}


def _first_statement(
    repo: GitRepo, judge: Callable[[str, str], dict[str, str]]
) -> tuple[dict[str, str] | None, str | None]:
    """(what ``judge(snapshot commit, signers)`` says of the first snapshot it passes, or
    None, and why the first one refused was refused): nothing is read without
    ``gitml.index.signers``."""
    signers = repo.config_get(SIGNERS_KEY)
    if not signers:
        return None, None
    refused: str | None = None
    for name, commit in snapshot_commits(repo):
        try:
            return judge(commit, signers), None
        except SnapshotRefused as exc:
            refused = refused or f"{name} ({commit[:12]}): {exc}"
    return None, refused


def _trusted(
    repo: GitRepo, commit: str, *, signers: str, tips: Mapping[str, str | None]
) -> dict[str, str]:
    """The stated tips of snapshot ``commit`` for the refs of ``tips`` after every check
    (SnapshotRefused says which failed)."""
    stated = _signed(repo, commit, signers=signers)
    out: dict[str, str] = {}
    for ref, tip in tips.items():
        since = stated.get(ref)
        if tip is None or since is None:
            continue
        if not is_ancestor(repo, since, tip):
            raise SnapshotRefused(
                f"its audited tip {since[:12]} of {ref} is not in the history of {tip[:12]}"
            )
        out[ref] = since
    return out


def _signed(repo: GitRepo, commit: str, *, signers: str) -> dict[str, str]:
    """The tips snapshot ``commit`` states, when its signature, the signers file and the
    statement itself pass (SnapshotRefused says which failed)."""
    check_signature(repo, commit, signers)
    return read_statement(repo, commit)


def read_statement(repo: GitRepo, commit: str) -> dict[str, str]:
    """The tips snapshot ``commit`` states were audited clean (SnapshotRefused when it
    states none, or was made by another format or gitml version)."""
    meta = snapshot_meta(repo, commit, RUNS_REF)
    if meta is None:
        raise SnapshotRefused("it holds no readable snapshot.json")
    if meta.get("format") != FORMAT or meta.get("gitml") != __version__:
        raise SnapshotRefused(
            f"it was made by gitml {meta.get('gitml')!r} (format {meta.get('format')!r}), "
            f"this is gitml {__version__}"
        )
    stated = meta.get(AUDITED)
    if not isinstance(stated, dict) or not stated:
        raise SnapshotRefused("it states no audited record tips")
    for ref, tip in stated.items():
        if ref not in COLLECTION_REFS or not isinstance(tip, str) or not _SHA.fullmatch(tip):
            raise SnapshotRefused(f"its audited tips are malformed ({str(ref)[:40]!r})")
    return {str(ref): str(tip) for ref, tip in stated.items()}
