"""Run lines in ``refs/notes/gitml``, brought up to date with ``refs/gitml/runs`` in bulk.

Notes are derived: a notes commit names the runs commit it covers (``storage.notes.coverage``),
and ``note_runs`` adds, in one notes commit, the line of every run record added since, on
its code commit's note. ``git ml run`` writes that commit in the ref transaction of its
record (``note_with``), so ``git log --notes=gitml`` shows the run when the command
returns, and notes with it any record not yet noted (a sweep still running, an interrupted
one, a pull). Bulk work defers it (``deferred_notes``): a sweep, a search, a pool, a queue
or a pipeline brings the notes up to date at most every ``DEFERRED_NOTES_S`` seconds and
when it ends, so a thousand fast members cost a few notes commits, not a thousand (each
rewrites the notes root, 7.7 KB, and the growing note of a busy code commit).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from gitml.errors import GitmlError
from gitml.records import codec
from gitml.records.typed import typed
from gitml.runs.paths import runs_collection
from gitml.runs.record import note_line
from gitml.storage.blobs import read_blobs
from gitml.storage.collection import Companion, Snapshot
from gitml.storage.notes import (
    NoteBlobs,
    coverage,
    covers_message,
    note_blobs,
    note_files,
    note_text,
    notes_companion,
    write_notes,
)
from gitml.storage.odb import walk_first_parents
from gitml.storage.repo import GitRepo
from gitml.storage.trees import commit_tree, diff_trees

if TYPE_CHECKING:
    from gitml.records.shapes import RunRecord

MAX_NOTE_RUNS = 100
"""Lines a code commit's note holds; past it, one line says how to list the rest."""
DEFERRED_NOTES_S = 30.0
"""Least time between two notes commits of bulk work (``deferred_notes``): a run saved
sooner is noted by the next one saved later, or when the work ends."""

_deferred: dict[str, float] = {}
"""Common git dir -> when bulk work in this process last brought its notes up to date."""
_depth: dict[str, int] = {}
_lock = threading.Lock()


def more_runs_line(commit: str) -> str:
    """The one line that stands for runs past MAX_NOTE_RUNS on a commit (idempotent)."""
    query = f"code.commit = '{commit}'"
    return f'more = "more runs: git ml ls --all --where \\"{query}\\""'


def note_runs(repo: GitRepo, *, known: Mapping[str, RunRecord] | None = None) -> None:
    """Add the line of every run recorded since the notes' coverage, in one notes commit.

    ``known``: records in hand by path (not read again). Records that do not validate,
    and runs whose code commit this repository lacks (imports), get no line.
    """
    build = _CatchUp(repo, known or {})
    write_notes(repo, build, build.message)


def note_with(repo: GitRepo, path: str, run: RunRecord) -> Companion | None:
    """The notes commit ``save_run`` publishes with ``run``'s record (``note_runs`` up to
    that record's commit); None in bulk work that noted less than DEFERRED_NOTES_S ago."""
    key = str(repo.commondir)
    with _lock:
        last = _deferred.get(key)
        if last is not None:
            if time.monotonic() - last < DEFERRED_NOTES_S:
                return None
            _deferred[key] = time.monotonic()
    build = _CatchUp(repo, {path: run})
    return notes_companion(repo, build, build.message, follows=build.follow)


@contextlib.contextmanager
def deferred_notes(repo: GitRepo) -> Iterator[None]:
    """Bulk work: runs saved inside get their notes every ``DEFERRED_NOTES_S`` seconds
    and at the end (also when it fails or is interrupted) instead of one commit each."""
    key = str(repo.commondir)
    with _lock:
        _depth[key] = _depth.get(key, 0) + 1
        _deferred.setdefault(key, time.monotonic())
    failing = True
    try:
        yield
        failing = False
    finally:
        with _lock:
            _depth[key] -= 1
            last = _depth[key] == 0
            if last:
                del _depth[key], _deferred[key]
        if last:
            _final_notes(repo, failing=failing)


def _final_notes(repo: GitRepo, *, failing: bool) -> None:
    """Bulk work's last notes commit. What was recorded is stored, so notes that cannot be
    written are left to the next writer; while the work itself is failing, its own error is
    the one to see, whatever went wrong here."""
    try:
        note_runs(repo)
    except GitmlError:
        return
    except Exception:
        if not failing:
            raise


class _CatchUp:
    """The notes builder of ``note_runs``; ``message`` names the runs commit it read."""

    def __init__(self, repo: GitRepo, known: Mapping[str, RunRecord]) -> None:
        self.repo = repo
        self.known = known
        self.target = ""
        self.count = 0
        self.followed: tuple[str | None, str | None] | None = None

    def message(self) -> str:
        return covers_message(f"gitml note {self.count} run(s)", self.target)

    def follow(self, old: str | None, new: str | None) -> None:
        """Note up to ``new``, the runs commit the same ref transaction publishes on
        ``old`` (which that transaction checks) with the ``known`` records."""
        self.followed = (old, new)

    def __call__(self, snap: Snapshot) -> dict[str, bytes | None]:
        if self.followed is not None:
            base, target = self.followed
            adding = list(self.known)
        else:
            # The notes tip was read first, then the runs tip: the runs ref only moves
            # forward, so the tip read second holds every record the notes cover.
            base = target = runs_collection(self.repo).tip()
            adding = []
        if target is None:
            return {}
        self.target = target
        start = _start(self.repo, snap, base)
        if start == target:
            return {}
        odb = self.repo.odb
        added = dict.fromkeys(adding, "")
        if start != base:
            old, new = commit_tree(odb, start), commit_tree(odb, base)
            for path, before, blob in diff_trees(odb, old, new):
                if before is None and blob is not None and _is_run_path(path):
                    added.setdefault(path, blob)
        runs = sorted(self._records(list(added.items())), key=lambda run: run["id"])
        held: dict[str, NoteBlobs] = {}
        lines = self._lines(snap, runs, held)
        self.count = len(runs)
        return note_files(self.repo, snap, lines, held=held) if lines else {}

    def _records(self, added: list[tuple[str, str]]) -> Iterator[RunRecord]:
        unknown = [(path, blob) for path, blob in added if path not in self.known]
        yield from (self.known[path] for path, _ in added if path in self.known)
        blobs = read_blobs(self.repo, [blob for _, blob in unknown])
        for (path, _), (_, data) in zip(unknown, blobs, strict=True):
            with contextlib.suppress(GitmlError):  # the audits name bad records; notes skip them
                yield typed(codec.loads(data, where=path), "run", where=path)

    def _lines(
        self, snap: Snapshot, runs: list[RunRecord], held: dict[str, NoteBlobs]
    ) -> dict[str, list[str]]:
        """New lines by code commit, each note kept to MAX_NOTE_RUNS lines and the more line;
        the notes read on the way go to ``held``."""
        by_commit: dict[str, list[str]] = {}
        for run in runs:
            commit = str(run["code"]["commit"] or "")
            if commit and (commit in by_commit or self.repo.has_commit(commit)):
                by_commit.setdefault(commit, []).append(note_line(run))
        lines: dict[str, list[str]] = {}
        for commit, new in by_commit.items():
            found = held[commit] = note_blobs(self.repo, snap.tree, commit)
            existing = set((note_text(found) or "").splitlines())
            room = MAX_NOTE_RUNS - len(existing)
            fresh = [line for line in new if line not in existing]
            kept = fresh[: max(room, 0)]
            if len(fresh) > len(kept):
                kept.append(more_runs_line(commit))
            if kept and not set(kept) <= existing:
                lines[commit] = kept
        return lines


def _is_run_path(path: str) -> bool:
    return path.startswith("runs/") and path.endswith(".toml")


def _start(repo: GitRepo, snap: Snapshot, target: str | None) -> str | None:
    """The runs commit whose records the notes already cover (None: none of them).

    Notes no gitml commit within reach states coverage for (written by git, or by a gitml
    that noted each run in the transaction of its record) cover every run recorded before
    the notes tip was: the first runs commit older than that tip, along first parents. In
    a clone whose runs history starts later (a first pull from a signed statement) that is
    where it starts: the records before it cannot be told apart, and their notes came
    with the notes tip.
    """
    covered = coverage(repo, snap)
    if covered.commit is not None or covered.time == 0 or target is None:
        return covered.commit
    shallow = repo.shallow_commits()
    for commit in walk_first_parents(repo.odb, target, shallow=shallow):
        if commit.committer.time < covered.time or commit.oid in shallow:
            return commit.oid
    return None
