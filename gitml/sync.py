"""``git ml pull/push/sync``: every record recorded anywhere ends up everywhere, once.

Pull fetches gitml refs into ``refs/remotes/<remote>/gitml/*`` and merges each collection
locally (fast-forward, or a union merge by CAS). Push is fast-forward only and atomic; a
rejection means someone pushed first, so we pull, merge and try again.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any

from gitml.errors import GitmlError
from gitml.storage import NOTES_REF, REF_ROOT, remote_tracking_ref
from gitml.storage.merge import MergeResult, merge_into
from gitml.storage.notes import merge_lines
from gitml.storage.remote import SHARED_REFS, fetch, push
from gitml.storage.repo import GitRepo

PUSH_ATTEMPTS = 8


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
    data: dict[str, Any] | None = None  # what went to the data remote first, if one is set

    def as_dict(self) -> dict[str, object]:
        return {
            "remote": self.remote,
            "pushed": [short_name(r) for r in self.pushed],
            "up_to_date": [short_name(r) for r in self.up_to_date],
            "attempts": self.attempts,
            "merged": [p.as_dict() for p in self.pulls],
            "data": self.data,
        }


def pull(repo: GitRepo, remote: str = "origin") -> PullReport:
    """Fetch and merge every gitml ref from ``remote``; local state changes only by CAS."""
    tips = fetch(repo, remote)
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


def push_records(repo: GitRepo, remote: str = "origin", *, data: bool = True) -> PushReport:
    """Push every local gitml ref fast-forward and atomically; on rejection pull and retry.

    With ``data`` and a default data remote configured, the data that HEAD and the records
    reference goes to the data remote first, so no pushed record names data others
    cannot fetch.
    """
    report = PushReport(remote)
    if data:
        from gitml.data.share import push_for_records

        report.data = push_for_records(repo)
    for attempt in range(PUSH_ATTEMPTS):
        report.attempts = attempt + 1
        outcome = push(repo, remote, SHARED_REFS)
        if not outcome.rejected:
            report.pushed = list(outcome.pushed)
            report.up_to_date = list(outcome.up_to_date)
            return report
        report.pulls.append(pull(repo, remote))
        time.sleep(random.uniform(0, min(2.0, 0.05 * 2**attempt)))
    raise GitmlError(
        f"pushing gitml refs to {remote!r} was rejected {PUSH_ATTEMPTS} times because others kept "
        "pushing; nothing was lost locally; run `git ml push` again"
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
