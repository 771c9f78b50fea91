"""The derived ``refs/notes/gitml``: one line per record on the code commit it came from.

gitml writes the notes tree itself and moves the ref by compare-and-swap (libgit2's
``create_note`` keeps a flat tree and force-updates the ref). A note goes to
``ab/cd/<36 hex>``: the two levels of 2-hex folders git's notes use past 65,536 notes.
Every write rewrites the root and one folder of each level; with one level (``ab/<38
hex>``) the folder grew with the number of annotated commits, so a write cost 66 bytes
for every 256 of them and the notes history grew with their square. Notes git or an older
gitml wrote flat or at one level are read as well and move to two levels when gitml next
writes them. Each line is ``<id> = { ... }`` inline TOML, so git's ``cat_sort_uniq`` merge
keeps notes valid, and notes can always be regenerated from the collections.

A notes commit gitml derives from the runs ref says up to which runs commit it did, in a
``Gitml-Runs: <commit>`` trailer (``coverage``): every run record of that commit's tree has
its line. The next writer notes only the records added since, however many, in one
commit (``runs.notes``).
"""

import re
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

from gitml.storage import NOTES_REF
from gitml.storage.collection import Builder, Collection, Companion, Message, Snapshot
from gitml.storage.odb import Tree, walk_first_parents
from gitml.storage.repo import GitRepo
from gitml.storage.trees import read_blob

COVERS_TRAILER = "Gitml-Runs"
COVERS_WALK = 64
"""First-parent notes commits searched for the trailer (merges of pulled notes, notes git
or a model version wrote, carry none)."""
_COVERS = re.compile(rf"^{COVERS_TRAILER}: ([0-9a-f]{{40}}|[0-9a-f]{{64}})$", re.MULTILINE)


class Coverage(NamedTuple):
    """What the notes tip was derived from: ``commit`` (a runs commit every record of
    which has its line; None when no notes commit within reach says) and ``time`` (the
    committer time of the notes tip; 0 when there are no notes)."""

    commit: str | None
    time: int


def coverage(repo: GitRepo, snap: Snapshot) -> Coverage:
    """The runs commit the notes of ``snap`` state they cover (see ``Coverage``).

    A stated commit this repository does not have (hostile or truncated history) counts
    as not stated.
    """
    if snap.tip is None:
        return Coverage(None, 0)
    walk = walk_first_parents(repo.odb, snap.tip, shallow=repo.shallow_commits())
    tip = next(walk)
    for commit in (tip, *(c for _, c in zip(range(COVERS_WALK - 1), walk, strict=False))):
        found = _COVERS.search(commit.message)
        if found is not None:
            stated = found.group(1)
            return Coverage(stated if repo.has_commit(stated) else None, tip.committer.time)
    return Coverage(None, tip.committer.time)


def covers_message(subject: str, commit: str) -> str:
    """A notes commit message stating that the notes cover the runs commit ``commit``."""
    return f"{subject}\n\n{COVERS_TRAILER}: {commit}\n"


def note_paths(commit: str) -> tuple[str, ...]:
    """Where git may keep the note of ``commit``: the two levels gitml writes first, then
    one level and flat."""
    return (f"{commit[:2]}/{commit[2:4]}/{commit[4:]}", f"{commit[:2]}/{commit[2:]}", commit)


def _collection(repo: GitRepo, ref: str) -> Collection:
    return Collection(repo, ref, "", sharded=False)


def read_note(repo: GitRepo, commit: str, *, ref: str = NOTES_REF) -> str | None:
    """The note of ``commit``; lines from every fanout git may have used, as git shows them.

    A merge of notes trees written with different fanouts can hold one commit's note at
    two paths; git concatenates them when it reads, and so does this.
    """
    snap = _collection(repo, ref).snapshot()
    if snap.tip is not None:  # every fanout's folder in one round trip
        repo.odb.prefetch(
            [
                snap.tip,
                f"{snap.tip}^{{tree}}",
                f"{snap.tip}:{commit[:2]}",
                f"{snap.tip}:{commit[:2]}/{commit[2:4]}",
            ]
        )
    return note_at(repo, snap.tree, commit)


NoteBlobs = dict[str, str]
"""A commit's note as a notes tree holds it: path -> text, one entry per fanout it is at."""


def note_blobs(repo: GitRepo, tree: Tree | None, commit: str) -> NoteBlobs:
    """Every copy of ``commit``'s note in the notes tree ``tree``, by path."""
    return {
        path: data.decode("utf-8", "replace")
        for path in note_paths(commit)
        if (data := read_blob(repo.odb, tree, path)) is not None
    }


def note_text(found: NoteBlobs) -> str | None:
    """The note those copies make together (None: there is none)."""
    if not found:
        return None
    if len(found) == 1:
        return next(iter(found.values()))
    return merge_lines("\n".join(found.values()), ())


def note_at(repo: GitRepo, tree: Tree | None, commit: str) -> str | None:
    """The note of ``commit`` in the notes tree ``tree`` (see ``read_note``)."""
    return note_text(note_blobs(repo, tree, commit))


def merge_lines(existing: str, new: Sequence[str]) -> str:
    """Sorted, de-duplicated lines with a trailing newline (what ``cat_sort_uniq`` makes)."""
    lines = {line for line in existing.splitlines() if line.strip()}
    lines.update(line for line in new if line.strip())
    return "".join(f"{line}\n" for line in sorted(lines))


def union_lines(path: str, ours: bytes, theirs: bytes) -> bytes:
    """A ``merge.merge_into`` resolver for notes: the sorted union of both notes' lines."""
    del path
    text = ours.decode("utf-8", "replace")
    return merge_lines(text, theirs.decode("utf-8", "replace").splitlines()).encode("utf-8")


def add_note_lines(
    repo: GitRepo, lines: Mapping[str, Sequence[str]], message: str, *, ref: str = NOTES_REF
) -> None:
    """Merge ``lines`` into the notes of each commit (commit sha -> lines)."""
    if not lines:
        return
    _collection(repo, ref).write(_note_builder(repo, lines), message, replace=True)


def write_notes(repo: GitRepo, build: Builder, message: Message) -> str:
    """Commit what ``build(notes snapshot)`` returns (``note_files`` makes it) to the notes
    ref by compare-and-swap, rebuilt on the new tip on conflict; the new tip."""
    return _collection(repo, NOTES_REF).write(build, message, replace=True)


def note_companion(repo: GitRepo, lines: Mapping[str, Sequence[str]], message: str) -> Companion:
    """``add_note_lines`` as part of another collection's write (one ref transaction)."""
    return Companion(_collection(repo, NOTES_REF), _note_builder(repo, lines), message)


def notes_companion(
    repo: GitRepo,
    build: Builder,
    message: Message,
    *,
    follows: Callable[[str | None, str | None], None],
) -> Companion:
    """``write_notes`` as part of another collection's write (one ref transaction);
    ``follows`` is told that write's old tip and new commit before ``build`` runs."""
    return Companion(_collection(repo, NOTES_REF), build, message, follows=follows)


def _note_builder(repo: GitRepo, lines: Mapping[str, Sequence[str]]) -> Builder:
    def build(snap: Snapshot) -> dict[str, bytes | None]:
        return note_files(repo, snap, lines)

    return build


def note_files(
    repo: GitRepo,
    snap: Snapshot,
    lines: Mapping[str, Sequence[str]],
    *,
    held: Mapping[str, NoteBlobs] | None = None,
) -> dict[str, bytes | None]:
    """The notes files that merge ``lines`` (commit sha -> lines) into ``snap``'s notes:
    each note at its two-level path, the same note at other fanouts removed. ``held``:
    notes already read from ``snap`` (``note_blobs``), not read again."""
    files: dict[str, bytes | None] = {}
    for commit, new in lines.items():
        found = held[commit] if held is not None and commit in held else None
        if found is None:
            found = note_blobs(repo, snap.tree, commit)
        existing = "".join(text + "\n" for text in found.values())
        files.update(dict.fromkeys(found))
        files[note_paths(commit)[0]] = merge_lines(existing, new).encode("utf-8")
    return files


def note_commits(repo: GitRepo, *, ref: str = NOTES_REF) -> list[str]:
    """Every commit that has a gitml note."""
    out: dict[str, None] = {}
    for path, _ in _collection(repo, ref).iter_paths(""):
        name = path.replace("/", "")
        if len(name) == 40:
            out[name] = None
    return list(out)
