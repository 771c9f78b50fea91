"""``git ml pull/push/sync``: every record recorded anywhere ends up everywhere, once.

Pull fetches gitml refs into ``refs/remotes/<remote>/gitml/*`` and merges each collection
locally (fast-forward, or a union merge by CAS). Push is fast-forward only and atomic; a
rejection means someone pushed first, so we pull, merge and try again.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gitml.config import Settings, load_settings
from gitml.data.share import push_for_records
from gitml.errors import CheckFailed, GitmlError, listing
from gitml.integrity import history
from gitml.registry.rules import records_settings, target_branches
from gitml.storage import (
    COLLECTION_REFS,
    INDEX_REF,
    NOTES_REF,
    REF_ROOT,
    REGISTRY_REF,
    RUNS_REF,
    remote_tracking_ref,
)
from gitml.storage.collection import Collection
from gitml.storage.merge import MergeResult, merge_into
from gitml.storage.notes import merge_lines
from gitml.storage.refs import read_ref
from gitml.storage.remote import (
    SHARED_REFS,
    fetch,
    fetch_branches,
    fetch_ref,
    fetch_tips_only,
    push,
)
from gitml.storage.repo import GitRepo

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject

PUSH_BACKOFF_CAP_S = 3.0
"""Longest pause between two push attempts (full jitter below it)."""
SHOWN_UNPUSHED = 10


def short_name(ref: str) -> str:
    return "notes" if ref == NOTES_REF else ref.removeprefix(REF_ROOT)


def _union_note(_path: str, ours: bytes, theirs: bytes) -> bytes:
    lines = theirs.decode("utf-8", "replace").splitlines()
    return merge_lines(ours.decode("utf-8", "replace"), lines).encode("utf-8")


@dataclass
class PullReport:
    remote: str
    results: list[MergeResult] = field(default_factory=list)

    @property
    def added(self) -> dict[str, int]:
        return {short_name(r.ref): r.added for r in self.results}

    def as_dict(self) -> dict[str, object]:
        return {
            "remote": self.remote,
            "refs": {
                short_name(r.ref): {"outcome": r.outcome, "added": r.added, "tip": r.tip}
                for r in self.results
            },
        }


@dataclass
class PushReport:
    remote: str
    pushed: list[str] = field(default_factory=list)
    up_to_date: list[str] = field(default_factory=list)
    attempts: int = 0
    pulls: list[PullReport] = field(default_factory=list)
    data: JsonObject | None = None  # what went to the data remote first, if one is set
    index: str | None = None
    """What became of the local index snapshot: pushed, up to date, or not pushed (why)."""

    def as_dict(self) -> dict[str, object]:
        return {
            "remote": self.remote,
            "pushed": [short_name(r) for r in self.pushed],
            "up_to_date": [short_name(r) for r in self.up_to_date],
            "attempts": self.attempts,
            "merged": [p.as_dict() for p in self.pulls],
            "data": self.data,
            "index": self.index,
        }


def project_settings(repo: GitRepo) -> Settings:
    """The project's settings (gitml's defaults in a bare repository)."""
    if repo.is_bare:
        return Settings()
    return load_settings(repo.workdir)


def check_fetched(repo: GitRepo, remote: str, tips: Mapping[str, str | None]) -> None:
    """Refuse (naming commit and path) fetched collection history that is not append-only.

    Only the commits neither the local refs, a tip this gitml version already audited
    clean (``integrity.history.audited_tips``) nor, for a ref this clone does not have
    yet, a trusted audit statement (``storage.audit_statement``) hold are read; tips that
    pass are remembered, so a CI job that restores the marks of an earlier run on the
    default branch, or trusts the signed snapshot it publishes, reads only the history
    since.

    The settings that judge it (the clock skew ids may claim, the default branch stage
    events must derive from) are committed ones, never the work tree's: in CI that is a
    pull request's checkout (``registry.rules.records_settings``, which also takes the
    branch the CI names as the target or default from the environment).
    """
    from gitml.registry.incoming import registry_problems
    from gitml.storage.audit_statement import stated_tips

    settings = records_settings(repo, remote, os.environ)
    skew = settings.clock_skew_s
    problems: list[str] = []
    added: dict[str, list[str]] = {}
    # A statement spares what no local tip does: records this clone does not have yet.
    fresh = {ref: tips.get(ref) for ref in COLLECTION_REFS if read_ref(repo, ref) is None}
    stated = stated_tips(repo, fresh) if any(fresh.values()) else {}
    for ref in COLLECTION_REFS:
        theirs = tips.get(ref)
        if theirs is None:
            continue
        ours = read_ref(repo, ref)
        known = [str(ours)] if ours is not None else []
        known += [stated[ref]] if ref in stated else []
        found = history.check_history(
            repo,
            ref,
            theirs,
            known + history.audited_tips(repo, ref),
            skew_s=skew,
            max_listing=settings.max_listing_bytes,
        )
        problems += found.problems
        added[ref] = found.added
    if not problems:
        problems = registry_problems(
            repo,
            tips,
            added.get(REGISTRY_REF, []),
            settings=settings,
            branch_tips=_branch_tips(repo, remote, settings.default_branch),
        )
    if problems:
        raise history.refusal(remote, problems)
    for ref in added:
        history.remember_audited(repo, ref, str(tips[ref]))


def _branch_tips(repo: GitRepo, remote: str, branch: str) -> list[str]:
    """The default branch as fetched from ``remote``, then as this clone has it."""
    found = [
        read_ref(repo, f"refs/remotes/{remote}/{branch}"),
        read_ref(repo, f"refs/heads/{branch}"),
    ]
    return list(dict.fromkeys(str(oid) for oid in found if oid is not None))


def pull(repo: GitRepo, remote: str = "origin") -> PullReport:
    """Fetch and merge every gitml ref from ``remote``; local state changes only by CAS.

    What arrives is checked first (``check_fetched``); a refusal changes nothing local.
    """
    targets = target_branches(os.environ)
    if targets:  # their committed config names the default branch (``records_settings``)
        fetch_branches(repo, remote, targets)
    branch = records_settings(repo, remote, os.environ).default_branch
    if read_ref(repo, RUNS_REF) is None:
        _start_from_statement(repo, remote)
    tips = fetch(repo, remote, branches=(branch,))
    check_fetched(repo, remote, tips)
    report = PullReport(remote)
    for ref in SHARED_REFS:
        theirs = tips.get(ref)
        if theirs is None:
            continue
        result = merge_into(
            repo,
            ref,
            theirs,
            theirs_name=remote_tracking_ref(remote, ref),
            message=f"merge {remote}/{short_name(ref)}",
            resolve=_union_note if ref == NOTES_REF else None,
        )
        report.results.append(result)
    return report


def _start_from_statement(repo: GitRepo, remote: str) -> None:
    """A clone's first pull: fetch the runs commit a signed audit statement names and the
    notes tip without their history, so the fetch after it brings only the runs history
    since (docs/storage-at-scale.md, "Day one")."""
    from gitml.storage.audit_statement import signed_statement
    from gitml.storage.index_snapshot import SIGNERS_KEY

    tracking = remote_tracking_ref(remote, RUNS_REF)
    if not repo.config_get(SIGNERS_KEY) or read_ref(repo, tracking) is not None:
        return
    if not fetch_ref(repo, remote, INDEX_REF):
        return
    stated = signed_statement(repo).get(RUNS_REF)
    if stated is not None:
        fetch_tips_only(repo, remote, {RUNS_REF: stated})


class PushGaveUp(GitmlError):
    """Others kept pushing until the deadline; the records named are still only local."""


def push_records(
    repo: GitRepo,
    remote: str = "origin",
    *,
    data: bool = True,
    deadline_s: float | None = None,
) -> PushReport:
    """Push every local gitml ref fast-forward and atomically; on rejection pull and retry.

    The records about to be sent are checked first, as the pre-push hook would (``git ml
    push`` pushes with --no-verify, so no hook sees gitml refs). With ``data`` and a
    default data remote configured, the data that HEAD and the records reference goes to
    the data remote first, so no pushed record names data others cannot fetch. Rejections
    are retried with jittered exponential backoff until ``deadline_s`` (``[sync]
    push_deadline_seconds``); giving up names every record that is not on the remote.
    """
    settings = project_settings(repo)
    check_outgoing(repo, remote, settings)
    report = PushReport(remote)
    if data:
        report.data = push_for_records(repo)
    limit = settings.push_deadline_s if deadline_s is None else deadline_s
    deadline = time.monotonic() + limit
    attempt = 0
    while True:
        report.attempts = attempt + 1
        outcome = push(repo, remote, SHARED_REFS)
        if not outcome.rejected:
            report.pushed = list(outcome.pushed)
            report.up_to_date = list(outcome.up_to_date)
            report.index = push_index_snapshot(repo, remote)
            return report
        report.pulls.append(pull(repo, remote))
        pause = random.uniform(0, min(PUSH_BACKOFF_CAP_S, 0.05 * 2 ** min(attempt, 10)))
        if time.monotonic() + pause > deadline:
            raise _gave_up(repo, remote, report.attempts, limit)
        time.sleep(pause)
        attempt += 1


def push_index_snapshot(repo: GitRepo, remote: str) -> str | None:
    """Send the local index snapshot after the records (fast-forward only; it is a cache,
    so a snapshot someone else pushed meanwhile is kept and ours is not forced)."""
    if read_ref(repo, INDEX_REF) is None:
        return None
    outcome = push(repo, remote, (INDEX_REF,))
    if outcome.rejected:
        return f"not pushed: {remote} has another snapshot; `git ml index publish` builds on it"
    return "pushed" if outcome.pushed else "up to date"


def _gave_up(repo: GitRepo, remote: str, attempts: int, limit: float) -> PushGaveUp:
    waiting = unpushed(repo, remote)
    shown = ", ".join(waiting[:SHOWN_UNPUSHED])
    more = f" and {len(waiting) - SHOWN_UNPUSHED} more" if len(waiting) > SHOWN_UNPUSHED else ""
    return PushGaveUp(
        f"gave up pushing gitml refs to {remote!r} after {attempts} attempt(s) in {limit:.0f} s "
        f"because others kept pushing; {len(waiting)} record(s) are only in this clone: "
        f"{shown or '(none)'}{more}; nothing was lost here: run `git ml push` again (or raise "
        "[sync] push_deadline_seconds)"
    )


def unpushed(repo: GitRepo, remote: str) -> list[str]:
    """``<ref>:<path>`` of every record the local refs hold and ``remote`` (as last fetched)
    does not."""
    out: list[str] = []
    for ref in COLLECTION_REFS:
        collection = Collection(repo, ref, "")
        ours = collection.tip()
        if ours is None:
            continue
        theirs = read_ref(repo, remote_tracking_ref(remote, ref))
        out += [f"{ref}:{path}" for path in collection.added_since(theirs)]
    return out


def check_outgoing(repo: GitRepo, remote: str, settings: Settings) -> None:
    """What the pre-push hook checks on gitml refs: every record to be sent is valid and
    where it belongs, and the history sent is append-only. Raises CheckFailed."""
    from gitml.governance.check import CheckReport, check_records

    report = CheckReport("push")
    problems: list[str] = []
    for ref in COLLECTION_REFS:
        ours = read_ref(repo, ref)
        if ours is None:
            continue
        theirs = read_ref(repo, remote_tracking_ref(remote, ref))
        if theirs == ours:
            continue
        known = [str(theirs)] if theirs is not None else []
        problems += history.check_history(
            repo,
            ref,
            str(ours),
            known,
            skew_s=settings.clock_skew_s,
            max_listing=settings.max_listing_bytes,
        ).problems
        old = str(theirs) if theirs is not None else None
        check_records(repo, ref, old, str(ours), report, max_listing=settings.max_listing_bytes)
    problems += [f.message for f in report.errors]
    if problems:
        raise CheckFailed(
            f"not pushing to {remote!r}: {len(problems)} problem(s) with the records to send "
            f"(the checks the pre-push hook runs):\n{listing(problems)}"
        )


@dataclass
class CiReport:
    unshallowed: bool
    pull: PullReport

    def as_dict(self) -> dict[str, object]:
        return {"unshallowed": self.unshallowed, **self.pull.as_dict()}


def prepare_ci(repo: GitRepo, remote: str = "origin") -> CiReport:
    """Make a fresh CI checkout complete: full history and every gitml record.

    CI checkouts are usually shallow and never fetch custom refs or notes.
    """
    unshallowed = False
    if repo.is_shallow:
        proc = repo.git("fetch", "--no-tags", "--quiet", "--unshallow", remote, check=False)
        if proc.returncode != 0:
            detail = (proc.stderr.strip().splitlines() or ["(no message)"])[-1]
            raise GitmlError(f"`git fetch --unshallow {remote}` failed: {detail}")
        unshallowed = True
    return CiReport(unshallowed, pull(repo, remote))
