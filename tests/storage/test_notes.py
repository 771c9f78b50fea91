"""refs/notes/gitml: written by gitml with two fanout levels, read and merged by git."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path
from typing import Any

from gitml.storage import NOTES_REF
from gitml.storage.notes import add_note_lines, merge_lines, note_commits, read_note
from gitml.storage.repo import open_repo
from tests.storage.helpers import FORK, assert_fsck_clean, run_workers
from tests.support.core import git


def _commits(repo: Path, count: int) -> list[str]:
    """``count`` new commits on HEAD, newest first."""
    for n in range(count):
        git(repo, "commit", "-q", "--allow-empty", "-m", f"c{n}")
    return git(repo, "rev-list", "-n", str(count), "HEAD").split()


def test_git_shows_the_lines_gitml_wrote(repo_with_commit: Path) -> None:
    head = git(repo_with_commit, "rev-parse", "HEAD").strip()
    lines = ['01RUNB = { status = "failed" }', '01RUNA = { status = "completed", auc = 0.91 }']
    add_note_lines(open_repo(repo_with_commit), {head: lines}, "note 2 runs")
    expected = "".join(f"{line}\n" for line in sorted(lines))
    assert git(repo_with_commit, "notes", "--ref=gitml", "show", head) == expected
    log = git(repo_with_commit, "log", "--notes=gitml", "-1", "--format=%H%n%N")
    assert log == f"{head}\n{expected}\n"
    assert git(repo_with_commit, "log", "-1", "--format=%s", NOTES_REF).strip() == "note 2 runs"
    assert read_note(open_repo(repo_with_commit), head) == expected
    assert_fsck_clean(repo_with_commit)


def _deep(sha: str) -> str:
    return f"{sha[:2]}/{sha[2:4]}/{sha[4:]}"


def test_notes_tree_uses_two_levels_of_two_hex_fanout(repo_with_commit: Path) -> None:
    shas = _commits(repo_with_commit, 5)
    add_note_lines(open_repo(repo_with_commit), {sha: [f"x{sha[:6]} = 1"] for sha in shas}, "notes")
    paths = git(repo_with_commit, "ls-tree", "-r", "--name-only", NOTES_REF).split()
    assert sorted(paths) == sorted(_deep(sha) for sha in shas)
    assert sorted(git(repo_with_commit, "notes", "--ref=gitml", "list").split()[1::2]) == sorted(
        shas
    )
    assert sorted(note_commits(open_repo(repo_with_commit))) == sorted(shas)


def test_lines_git_wrote_flat_are_kept_and_moved_to_fanout(repo_with_commit: Path) -> None:
    head = git(repo_with_commit, "rev-parse", "HEAD").strip()
    git(repo_with_commit, "notes", "--ref=gitml", "add", "-m", 'BYGIT = { source = "git" }', head)
    assert git(repo_with_commit, "ls-tree", "--name-only", NOTES_REF).split() == [head]  # flat
    add_note_lines(open_repo(repo_with_commit), {head: ['BYGITML = { source = "gitml" }']}, "add")
    assert git(repo_with_commit, "notes", "--ref=gitml", "show", head) == (
        'BYGIT = { source = "git" }\nBYGITML = { source = "gitml" }\n'
    )
    assert git(repo_with_commit, "ls-tree", "-r", "--name-only", NOTES_REF).split() == [_deep(head)]
    # git appends to the note gitml wrote; gitml's next write keeps that line too.
    git(repo_with_commit, "notes", "--ref=gitml", "append", "-m", "APPENDED = 1", head)
    add_note_lines(open_repo(repo_with_commit), {head: ["LAST = 2"]}, "add")
    shown = git(repo_with_commit, "notes", "--ref=gitml", "show", head).splitlines()
    assert shown == sorted(
        ['BYGIT = { source = "git" }', 'BYGITML = { source = "gitml" }', "APPENDED = 1", "LAST = 2"]
    )
    assert_fsck_clean(repo_with_commit)


def test_note_at_two_fanouts_reads_as_git_shows_it(repo_with_commit: Path) -> None:
    head = git(repo_with_commit, "rev-parse", "HEAD").strip()
    repo = open_repo(repo_with_commit)
    add_note_lines(repo, {head: ["A = 1"]}, "fanout note")
    assert git(repo_with_commit, "show", f"{NOTES_REF}:{_deep(head)}") == "A = 1\n"
    # A tree holding the same commit's note flat and fanned out, as a tree merge can make.
    flat_blob = _hash(repo_with_commit, "B = 2\n")
    sub = git(repo_with_commit, "ls-tree", f"{NOTES_REF}:{head[:2]}")
    sub_tree = _mktree(repo_with_commit, sub)
    root = _mktree(
        repo_with_commit, f"100644 blob {flat_blob}\t{head}\n040000 tree {sub_tree}\t{head[:2]}\n"
    )
    commit = git(repo_with_commit, "commit-tree", "-p", NOTES_REF, "-m", "two paths", root).strip()
    git(repo_with_commit, "update-ref", NOTES_REF, commit)
    shown = git(repo_with_commit, "notes", "--ref=gitml", "show", head)
    assert sorted(shown.split()) == sorted(["A", "=", "1", "B", "=", "2"])
    assert read_note(repo, head) == "A = 1\nB = 2\n"
    assert note_commits(repo) == [head]


def test_a_note_at_one_level_is_read_and_moved_to_two(repo_with_commit: Path) -> None:
    """What an older gitml wrote (``ab/<38 hex>``) beside what this one writes, in one tree."""
    old, new = _commits(repo_with_commit, 2)
    repo = open_repo(repo_with_commit)
    add_note_lines(repo, {new: ["NEW = 1"]}, "two levels")
    blob = _hash(repo_with_commit, "OLD = 1\n")
    listing = git(repo_with_commit, "ls-tree", NOTES_REF)
    if old[:2] == new[:2]:
        inner = git(repo_with_commit, "ls-tree", f"{NOTES_REF}:{old[:2]}")
        folder = _mktree(repo_with_commit, f"{inner}100644 blob {blob}\t{old[2:]}\n")
        listing = listing.replace(
            git(repo_with_commit, "rev-parse", f"{NOTES_REF}:{old[:2]}").strip(), folder
        )
    else:
        folder = _mktree(repo_with_commit, f"100644 blob {blob}\t{old[2:]}\n")
        listing += f"040000 tree {folder}\t{old[:2]}\n"
    root = _mktree(repo_with_commit, listing)
    commit = git(repo_with_commit, "commit-tree", "-p", NOTES_REF, "-m", "one level", root).strip()
    git(repo_with_commit, "update-ref", NOTES_REF, commit)
    for sha, line in ((old, "OLD = 1\n"), (new, "NEW = 1\n")):
        assert git(repo_with_commit, "notes", "--ref=gitml", "show", sha) == line
        assert read_note(repo, sha) == line
    assert sorted(note_commits(repo)) == sorted([old, new])
    add_note_lines(repo, {old: ["MORE = 2"]}, "old commit again")
    assert git(repo_with_commit, "ls-tree", "-r", "--name-only", NOTES_REF).split() == sorted(
        [_deep(old), _deep(new)]
    )
    assert git(repo_with_commit, "notes", "--ref=gitml", "show", old) == "MORE = 2\nOLD = 1\n"
    assert_fsck_clean(repo_with_commit)


def _new_tree_bytes(repo: Path, commit: str) -> int:
    """Bytes of the trees ``commit`` wrote that its first parent did not have."""
    changed = git(repo, "diff-tree", "-r", "-t", "--no-commit-id", f"{commit}^", commit)
    trees = [line.split()[3] for line in changed.splitlines() if line.split()[1] == "040000"]
    trees.append(git(repo, "rev-parse", f"{commit}^{{tree}}").strip())
    return sum(int(git(repo, "cat-file", "-s", oid)) for oid in trees)


def test_a_note_write_rewrites_small_trees_however_many_commits_have_notes(
    repo_with_commit: Path,
) -> None:
    # 600 annotated commits in one first-level folder: at one level, every write to it
    # would rewrite a tree of 600 entries (about 40 KB).
    shas = ["ab" + hashlib.sha1(b"%d" % n).hexdigest()[:38] for n in range(600)]
    repo = open_repo(repo_with_commit)
    add_note_lines(repo, {sha: ["A = 1"] for sha in shas}, "many notes")
    add_note_lines(repo, {shas[300]: ["B = 2"]}, "one more line")
    tip = git(repo_with_commit, "rev-parse", NOTES_REF).strip()
    # The root, ab/ (at most 256 folders of 30 bytes) and one small folder.
    assert _new_tree_bytes(repo_with_commit, tip) < 2 * 256 * 30
    assert read_note(repo, shas[300]) == "A = 1\nB = 2\n"


def _hash(repo: Path, text: str) -> str:
    return subprocess.run(
        ["git", "hash-object", "-w", "--stdin"],
        cwd=repo,
        input=text,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def _mktree(repo: Path, listing: str) -> str:
    return subprocess.run(
        ["git", "mktree"], cwd=repo, input=listing, capture_output=True, text=True, check=True
    ).stdout.strip()


def _note_many(path: Path, worker: int, commits: list[str], barrier: Any) -> None:
    repo = open_repo(path)
    barrier.wait()
    for n, sha in enumerate(commits):
        add_note_lines(
            repo, {sha: [f"W{worker}N{n:03d} = {{ worker = {worker} }}"]}, f"w{worker} n{n}"
        )


def test_concurrent_note_writers_lose_nothing(repo_with_commit: Path) -> None:
    shas = _commits(repo_with_commit, 30)
    barrier = FORK.Barrier(2)
    # Both workers annotate the same 30 commits (same note files) 60 times each.
    run_workers(
        _note_many, [(repo_with_commit, w, shas + shas, barrier) for w in range(2)], timeout=120
    )
    seen = []
    for sha in shas:
        seen += git(repo_with_commit, "notes", "--ref=gitml", "show", sha).splitlines()
    assert len(seen) == 2 * 60
    assert sorted(seen) == sorted(
        f"W{w}N{n:03d} = {{ worker = {w} }}" for w in range(2) for n in range(60)
    )
    assert git(repo_with_commit, "rev-list", "--count", NOTES_REF).strip() == "120"
    assert_fsck_clean(repo_with_commit)


def test_merge_lines_sorts_and_deduplicates() -> None:
    assert merge_lines("b = 1\na = 2\n\n", ["a = 2", "c = 3", "  "]) == "a = 2\nb = 1\nc = 3\n"
