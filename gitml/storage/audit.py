"""Auditing a collection ref's history: records are only ever added, as plain files.

``audit`` walks the commits of a ref that are new (reachable from ``tip`` but not from
any ``known`` commit) and compares each with its parents. A commit may add records; it
may not delete or change one, hold anything but a regular file, or be dated in the
future. Only the new range is read, and each commit costs a tree diff pruned to what it
changed, so auditing what a pull brings follows the size of the pull, not of the history.

Which parents count: the first parent is always the collection's own history (writers
commit on top of the old tip); another parent counts when its tree looks like the
collection (``shape``) -- a merge of two clones' histories -- and not when it is the
code checkpoint a run commit links to.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pygit2

from gitml.storage.changes import commit_changes
from gitml.storage.repo import GitRepo
from gitml.storage.trees import Leaf, commit_tree

REGULAR = pygit2.enums.FileMode.BLOB
_KINDS: dict[int, str] = {
    pygit2.enums.FileMode.BLOB_EXECUTABLE: "an executable file",
    pygit2.enums.FileMode.LINK: "a symbolic link",
    pygit2.enums.FileMode.COMMIT: "a gitlink (submodule entry)",
}

Shape = Callable[[pygit2.Tree], bool]
"""Whether a tree is one of the collection's (its top-level names are the collection's)."""


@dataclass(frozen=True)
class Violation:
    """A commit that breaks the append-only rules, and how."""

    commit: str
    path: str
    problem: str

    def line(self, ref: str) -> str:
        return f"{ref}: commit {self.commit[:12]} {self.problem}"


@dataclass(frozen=True)
class Added:
    """A file the range adds, with the first commit that holds it."""

    path: str
    oid: pygit2.Oid
    commit: str
    time: int


@dataclass
class Audit:
    violations: list[Violation] = field(default_factory=list)
    added: list[Added] = field(default_factory=list)
    commits: int = 0


def top_names(names: Iterable[str]) -> Shape:
    """A shape: every top-level entry of the tree is one of ``names``."""
    allowed = frozenset(names)
    return lambda tree: all(entry.name in allowed for entry in tree)


def audit(
    repo: GitRepo,
    tip: str,
    known: Iterable[str],
    *,
    shape: Shape,
    skew_s: float,
    now: float | None = None,
) -> Audit:
    """Check every commit in ``tip`` minus what ``known`` reaches (see the module doc)."""
    raw = repo.raw
    start = pygit2.Oid(hex=tip)
    walker = raw.walk(start, pygit2.enums.SortMode.TOPOLOGICAL)
    for sha in known:
        walker.hide(pygit2.Oid(hex=sha))
    fresh = list(walker)
    ids = {commit.id for commit in fresh}
    report = Audit()
    latest = (time.time() if now is None else now) + skew_s
    ours: set[pygit2.Oid] = {start}
    order: list[pygit2.Commit] = []
    for commit in fresh:  # children before parents
        if commit.id not in ours:
            continue
        order.append(commit)
        for n, parent_id in enumerate(commit.parent_ids):
            if parent_id in ids and (n == 0 or shape(raw[parent_id].peel(pygit2.Tree))):
                ours.add(parent_id)
    requests: list[tuple[str, list[str]]] = []
    for commit in reversed(order):  # parents before children
        report.commits += 1
        sha = str(commit.id)
        if not shape(commit.tree):
            names = ", ".join(sorted(str(e.name) for e in commit.tree)[:5])
            report.violations.append(
                Violation(sha, "", f"is not a commit of this collection (its tree holds {names})")
            )
            continue
        if commit.commit_time > latest:
            report.violations.append(
                Violation(
                    sha,
                    "",
                    f"is dated {_utc(commit.commit_time)}, in the future (more than "
                    f"{skew_s:.0f} s ahead of this machine's clock)",
                )
            )
        requests.append((sha, _collection_parents(raw, commit, shape)))
    seen: set[str] = set()
    times = {str(commit.id): commit.commit_time for commit in order}
    for (sha, _parents), diffs in zip(requests, commit_changes(repo, requests), strict=True):
        for n, diff in enumerate(diffs):
            for path, before, after in diff:
                if before is not None:
                    found = Violation(sha, path, _change(path, before, after))
                    if found not in report.violations:
                        report.violations.append(found)
                elif n == 0 and after is not None and path not in seen:
                    _add(report, sha, times[sha], path, after, seen)
    return report


def _collection_parents(raw: pygit2.Repository, commit: pygit2.Commit, shape: Shape) -> list[str]:
    """The parents that are the collection's history: the first, and merged ones of its shape."""
    return [
        str(parent_id)
        for n, parent_id in enumerate(commit.parent_ids)
        if n == 0 or shape(commit_tree(raw, parent_id))
    ]


def _add(report: Audit, sha: str, when: int, path: str, leaf: Leaf, seen: set[str]) -> None:
    seen.add(path)
    oid, mode = leaf
    if mode != REGULAR:
        kind = _KINDS.get(mode, f"an entry of mode {mode:o}")
        report.violations.append(
            Violation(sha, path, f"adds {path} as {kind}; records are regular files")
        )
        return
    report.added.append(Added(path, oid, sha, when))


def _change(path: str, before: Leaf, after: Leaf | None) -> str:
    if after is None:
        return f"deletes {path}; records are append-only (correct a record with a new one)"
    if after[0] == before[0]:
        return f"changes the mode of {path}; records are regular files"
    return (
        f"changes {path} ({before[0]} -> {after[0]}); records are append-only "
        "(correct a record with a new one)"
    )


def _utc(stamp: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stamp))
