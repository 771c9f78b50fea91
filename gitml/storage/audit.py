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
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import NamedTuple

from gitml.storage.changes import commit_changes
from gitml.storage.git import GitFailed, last_line, run_git
from gitml.storage.history import linear_range
from gitml.storage.odb import (
    EMPTY_TREE,
    MODE_BLOB,
    MODE_COMMIT,
    MODE_EXEC,
    MODE_LINK,
    Commit,
    Tree,
    parse_commit,
    parse_tree,
)
from gitml.storage.repo import GitRepo
from gitml.storage.trees import Leaf
from gitml.units import format_utc

BATCH = 2048
"""Commits read, judged and diffed at a time: what an audit holds beyond ids stays flat in
the size of the range."""
SHAPED_KEPT = 4 * BATCH
"""Merge parents whose shape is remembered before the memo starts over."""

_KINDS: dict[str, str] = {
    MODE_EXEC: "an executable file",
    MODE_LINK: "a symbolic link",
    MODE_COMMIT: "a gitlink (submodule entry)",
}

_UNJUDGED = (
    "was fetched without its parents (a shallow commit no trusted statement named), so what "
    "it changed cannot be judged; fetch the whole history (`git fetch --unshallow`)"
)

Shape = Callable[[Tree], bool]
"""Whether a tree is one of the collection's (its top-level names are the collection's)."""


class Violation(NamedTuple):
    """A commit that breaks the append-only rules, and how."""

    commit: str
    path: str
    problem: str

    def line(self, ref: str) -> str:
        return f"{ref}: commit {self.commit[:12]} {self.problem}"


class AddedRecord(NamedTuple):
    """A file the range adds, with the first commit that holds it."""

    path: str
    oid: str
    commit: str
    time: int


class Audit:
    """What an audit found: the violations, the records added, the commits walked."""

    def __init__(self) -> None:
        self.violations: list[Violation] = []
        self.added: list[AddedRecord] = []
        self.commits = 0


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
    """Check every commit in ``tip`` minus what ``known`` reaches (see the module doc).

    A shallow commit (its parents not in this clone) is judged as a first commit only when
    it is one of ``GitRepo.shallow_roots``, the commits a trusted statement named; any
    other one is a violation, since what it changed cannot be told.

    Commits, trees and diffs are read ``BATCH`` commits at a time and dropped once judged:
    what stays for the whole range is ids, one per commit, and the records added.
    """
    fresh = _new_commits(repo, tip, known)
    report = Audit()
    latest = (time.time() if now is None else now) + skew_s
    shaped: dict[str, bool] = {}
    ours: set[str] = {tip}
    order: list[str] = []
    for commit in _read_commits(repo, list(fresh)):  # children before parents
        if commit.oid not in ours:
            continue
        order.append(commit.oid)
        for n, parent in enumerate(commit.parents):
            if parent not in fresh:
                continue
            if n == 0 or _of_shape(repo, parent, shape, shaped):
                ours.add(parent)
    del ours
    shallow = repo.shallow_commits()  # a shallow clone's history starts at these commits
    roots = repo.shallow_roots() if shallow else frozenset()
    seen: set[str] = set()
    order.reverse()  # parents before children
    for start in range(0, len(order), BATCH):
        commits = list(_read_commits(repo, order[start : start + BATCH]))
        trees = _read_trees(repo, [commit.tree for commit in commits])
        requests: list[tuple[str, list[str]]] = []
        times: dict[str, int] = {}
        for commit, tree in zip(commits, trees, strict=True):
            report.commits += 1
            if not shape(tree):
                names = ", ".join(sorted(e.name for e in tree)[:5])
                report.violations.append(
                    Violation(
                        commit.oid,
                        "",
                        f"is not a commit of this collection (its tree holds {names})",
                    )
                )
                continue
            if commit.committer.time > latest:
                report.violations.append(
                    Violation(
                        commit.oid,
                        "",
                        f"is dated {format_utc(commit.committer.time)}, in the future (more "
                        f"than {skew_s:.0f} s ahead of this machine's clock)",
                    )
                )
            if commit.oid in shallow and commit.oid not in roots:
                report.violations.append(Violation(commit.oid, "", _UNJUDGED))
                continue
            parents = (
                [] if commit.oid in shallow else _collection_parents(repo, commit, shape, shaped)
            )
            requests.append((commit.oid, parents))
            times[commit.oid] = commit.committer.time
        del commits, trees
        for (sha, _parents), diffs in zip(requests, commit_changes(repo, requests), strict=True):
            for n, diff in enumerate(diffs):
                for path, before, after in diff:
                    if before is not None:
                        found = Violation(sha, path, _change(path, before, after))
                        if found not in report.violations:
                            report.violations.append(found)
                    elif n == 0 and after is not None and path not in seen:
                        _add(report, sha, times[sha], path, after, seen)
        if len(shaped) > SHAPED_KEPT:
            shaped.clear()
    return report


def _read_commits(repo: GitRepo, shas: Sequence[str]) -> Iterator[Commit]:
    """The commits ``shas`` name, in order, read ``BATCH`` at a time and never cached."""
    reader = repo.odb.reader
    for start in range(0, len(shas), BATCH):
        chunk = shas[start : start + BATCH]
        for sha, found in zip(chunk, reader.read_all(chunk), strict=True):
            if found is None or found.kind != "commit":
                raise GitFailed(f"{repo.gitdir}: commit {sha} is missing; run `git fsck`")
            yield parse_commit(found.oid, found.data)


def _read_trees(repo: GitRepo, oids: Sequence[str]) -> list[Tree]:
    """The trees ``oids`` name (a few, in one round trip), not cached."""
    wanted = [oid for oid in oids if oid != EMPTY_TREE]
    found = dict(zip(wanted, repo.odb.reader.read_all(wanted), strict=True))
    out = []
    for oid in oids:
        obj = found.get(oid)
        if oid != EMPTY_TREE and (obj is None or obj.kind != "tree"):
            raise GitFailed(f"{repo.gitdir}: tree {oid} is missing; run `git fsck`")
        out.append(parse_tree(oid, obj.data) if obj is not None else Tree(oid, {}))
    return out


def _of_shape(repo: GitRepo, sha: str, shape: Shape, shaped: dict[str, bool]) -> bool:
    """Whether ``sha`` is a commit here whose tree is of the collection's shape (memoised in
    ``shaped``; the code checkpoints runs link to are many, so neither is cached in the odb)."""
    known = shaped.get(sha)
    if known is None:
        commit = repo.commit_named(sha)
        known = commit is not None and shape(_read_trees(repo, [commit.tree])[0])
        shaped[sha] = known
    return known


def _new_commits(repo: GitRepo, tip: str, known: Iterable[str]) -> dict[str, int]:
    """The commits ``tip`` reaches and ``known`` do not, children first (a dict for order
    and membership)."""
    hidden = [f"^{sha}" for sha in dict.fromkeys(known)]
    if len(hidden) == 1:  # a few commits on top of the one known tip: read, not a process
        line = linear_range(repo, tip, hidden[0][1:])
        if line is not None:
            return {sha: n for n, sha in enumerate(line)}
    proc = run_git(repo.workdir_or_gitdir, "rev-list", "--topo-order", tip, *hidden)
    if proc.returncode != 0:
        raise GitFailed(f"`git rev-list {tip[:12]}` failed: {last_line(proc.stderr)}")
    return {sha: n for n, sha in enumerate(proc.stdout.decode().split())}


def _collection_parents(
    repo: GitRepo, commit: Commit, shape: Shape, shaped: dict[str, bool]
) -> list[str]:
    """The parents that are the collection's history: the first, and merged ones of its shape."""
    return [
        parent
        for n, parent in enumerate(commit.parents)
        if n == 0 or _of_shape(repo, parent, shape, shaped)
    ]


def _add(report: Audit, sha: str, when: int, path: str, leaf: Leaf, seen: set[str]) -> None:
    seen.add(path)
    oid, mode = leaf
    if mode != MODE_BLOB:
        kind = _KINDS.get(mode, f"an entry of mode {mode}")
        report.violations.append(
            Violation(sha, path, f"adds {path} as {kind}; records are regular files")
        )
        return
    report.added.append(AddedRecord(path=path, oid=oid, commit=sha, time=when))


def _change(path: str, before: Leaf, after: Leaf | None) -> str:
    if after is None:
        return f"deletes {path}; records are append-only (correct a record with a new one)"
    if after[0] == before[0]:
        return f"changes the mode of {path}; records are regular files"
    return (
        f"changes {path} ({before[0]} -> {after[0]}); records are append-only "
        "(correct a record with a new one)"
    )
