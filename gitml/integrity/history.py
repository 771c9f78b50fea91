"""Judging a collection ref's new history before anything local trusts it.

``check_history`` audits the commits (``gitml.storage.audit``: append-only, regular files,
not from the future) and every file they add (``layouts``: a path the collection uses,
bytes that say what the path says, within the size limits, an id no later than its
commit). ``git ml pull`` runs it on what it fetched before merging anything, and
``git ml check --all`` on the local refs.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from gitml._version import __version__
from gitml.errors import GitmlError, listing
from gitml.integrity.layouts import TOP_LEVEL, check_file, time_problem
from gitml.records.limits import MAX_LISTING_BYTES, read_limit, read_problem
from gitml.storage import DATA_REF, RUNS_REF
from gitml.storage.audit import audit, top_names
from gitml.storage.blobs import read_blobs_within
from gitml.storage.collection import Layout, open_collection
from gitml.storage.repo import GitRepo

AUDITED_KEPT = 16
"""How many of the newest audited tips of a ref are used (older ones are their ancestors,
as a rule, and each costs a lookup)."""


class HistoryRefused(GitmlError):
    """Fetched records whose history deletes, edits or misfiles records."""


class HistoryCheck(NamedTuple):
    problems: list[str]
    commits: int
    added: list[str]
    """Paths of the files the history adds (first holder order)."""


def check_history(
    repo: GitRepo,
    ref: str,
    tip: str,
    known: Iterable[str] = (),
    *,
    skew_s: float,
    max_listing: int = MAX_LISTING_BYTES,
) -> HistoryCheck:
    """Every problem with the commits of ``ref``'s history from ``tip`` back to ``known``.

    A file added over its size limit (``records.limits.read_problem``; ``max_listing``
    for a file list) is refused by its object header, never read.

    A known tip whose tree names another layout than ``tip``'s is no excuse: the files it
    vouches for were judged under that layout, so the history behind it is read again.
    """
    problems: list[str] = []
    layout = _tree_layout(repo, ref, tip, problems)
    known = [k for k in known if _layout_of(repo, ref, k) == layout]
    report = audit(repo, tip, known, shape=top_names(TOP_LEVEL[ref]), skew_s=skew_s)
    problems[:0] = [v.line(ref) for v in report.violations]
    limits = [read_limit(added.path, max_listing=max_listing) for added in report.added]
    blobs = read_blobs_within(repo, [added.oid for added in report.added], limits)
    for added, (size, data) in zip(report.added, blobs, strict=True):
        if data is None:  # over its limit: judged by its size, never read
            too_big = read_problem(added.path, size, max_listing=max_listing)
            problems.append(f"{ref}: commit {added.commit[:12]} adds {added.path}, which {too_big}")
            continue
        problem, record_id = check_file(ref, added.path, data, layout=layout)
        if problem is None:
            problem = time_problem(record_id, added.time, skew_s)
        if problem is not None:
            problems.append(f"{ref}: commit {added.commit[:12]} adds {added.path}, which {problem}")
    return HistoryCheck(problems, report.commits, [added.path for added in report.added])


def _tree_layout(repo: GitRepo, ref: str, tip: str, problems: list[str]) -> Layout | None:
    """The layout ``tip``'s ``layout.toml`` names; every file of the history must follow it.

    Without one (a ref that holds none) each path is judged by its own shape; one this
    version cannot read is a problem.
    """
    if ref not in (RUNS_REF, DATA_REF):
        return None
    collection = open_collection(repo, ref)
    try:
        return collection.layout_at(collection.snapshot_at(tip))
    except GitmlError as exc:
        problems.append(str(exc))
        return None


def _layout_of(repo: GitRepo, ref: str, commit: str) -> Layout | None:
    """The layout ``commit``'s tree names (None: none, or one this version cannot read)."""
    return _tree_layout(repo, ref, commit, [])


def audited_tips(repo: GitRepo, ref: str) -> list[str]:
    """Tips of ``ref`` this gitml version already found clean (their history is not re-read)."""
    try:
        lines = _cache_path(repo).read_text("ascii").splitlines()
    except OSError:
        return []
    found = [line.split()[1] for line in reversed(lines) if line.startswith(f"{ref} ")]
    newest = list(dict.fromkeys(found))[:AUDITED_KEPT]
    return [sha for sha in newest if repo.has_commit(sha)]


def remember_audited(repo: GitRepo, ref: str, tip: str) -> None:
    """Record that ``ref``'s history up to ``tip`` passed ``check_history``."""
    try:
        path = _cache_path(repo)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="ascii") as fh:
            fh.write(f"{ref} {tip}\n")
    except OSError:
        return


def _cache_path(repo: GitRepo) -> Path:
    return repo.state_dir / f"audited-{__version__}.txt"


def refusal(source: str, problems: list[str]) -> HistoryRefused:
    """The one error for refused records: the first problems, one per line, and what to do."""
    return HistoryRefused(
        f"refusing the gitml records from {source}: {len(problems)} problem(s); nothing local "
        f"was changed:\n{listing(problems)}\n"
        "records are append-only; whoever administers the remote must restore its history "
        "(corrections are new records, never edits or deletions)"
    )
