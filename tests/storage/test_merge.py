"""merge_into: union of diverged collection histories, conflicts stop the merge."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pygit2
import pytest

from gitml.errors import GitmlError, MergeConflict
from gitml.storage import NOTES_REF, remote_tracking_ref
from gitml.storage.changes import count_added
from gitml.storage.merge import merge_into
from gitml.storage.notes import add_note_lines, read_note, union_lines
from gitml.storage.repo import open_repo
from gitml.storage.trees import commit_tree, diff_trees
from tests.storage.helpers import (
    REF,
    assert_all_valid,
    assert_fsck_clean,
    bulk_put,
    collection,
    put_record,
    record,
    record_paths,
)
from tests.support.core import git

THEIRS = remote_tracking_ref("other", REF)


def _clone(src: Path, dest: Path) -> Path:
    git(src.parent, "clone", "-q", str(src), str(dest))
    return dest


def _fetch(into: Path, source: Path, ref: str = REF) -> pygit2.Oid:
    """Fetch ``ref`` of ``source`` into the remote-tracking namespace of ``into``."""
    tracking = remote_tracking_ref("other", ref)
    git(into, "fetch", "-q", str(source), f"+{ref}:{tracking}")
    return pygit2.Oid(hex=git(into, "rev-parse", tracking).strip())


def _add_many(path: Path, tag: str, count: int, commits: int) -> set[str]:
    coll = collection(path)
    ids = [f"{tag}{n:05d}" for n in range(count)]
    step = count // commits
    for start in range(0, count, step):
        bulk_put(coll, ids[start : start + step], f"add {tag} batch {start // step}")
    return {coll.record_path(i) for i in ids}


def _tip(path: Path, ref: str = REF) -> str:
    return git(path, "rev-parse", ref).strip()


@pytest.mark.parametrize("shared_base", [True, False], ids=["shared-base", "independent-roots"])
def test_diverged_copies_merge_into_exact_union(
    tmp_path: Path, repo_with_commit: Path, shared_base: bool
) -> None:
    a = repo_with_commit
    base: set[str] = set()
    if shared_base:
        base = _add_many(a, "base", 100, 2)
    b = _clone(a, tmp_path / "b")
    if shared_base:
        _fetch(b, a)
        git(b, "update-ref", REF, THEIRS)
    ours = _add_many(a, "a", 1000, 10)
    theirs = _add_many(b, "b", 1000, 10)
    their_tip = _fetch(a, b)
    our_tip = _tip(a)
    if not shared_base:  # two clones that each created the ref: two root commits
        assert git(a, "merge-base", REF, THEIRS, check=False) == ""

    result = merge_into(open_repo(a), REF, their_tip, theirs_name="other", message="merge other")

    assert result.outcome == "merged"
    assert result.added == 1000
    assert set(record_paths(a)) == base | ours | theirs
    assert len(assert_all_valid(a)) == len(base) + 2000
    parents = git(a, "rev-list", "--parents", "-n", "1", REF).split()[1:]
    assert parents == [our_tip, str(their_tip)]
    assert git(a, "log", "-1", "--format=%s", REF).strip() == "merge other"
    assert _tip(a, THEIRS) == str(their_tip)
    assert_fsck_clean(a)


def test_conflicting_record_stops_merge_naming_both_versions(
    tmp_path: Path, repo_with_commit: Path
) -> None:
    a = repo_with_commit
    b = _clone(a, tmp_path / "b")
    coll_a, coll_b = collection(a), collection(b)
    put_record(coll_a, "shared-ok")
    put_record(coll_b, "shared-ok")  # same bytes on both sides: not a conflict
    path = coll_a.record_path("clash")
    coll_a.put(path, record("clash"), "ours")
    coll_b.put(path, record("clash", pad=10), "theirs")
    their_tip = _fetch(a, b)
    before = (_tip(a), _tip(a, THEIRS))
    ours_blob = git(a, "rev-parse", f"{REF}:{path}").strip()
    theirs_blob = git(a, "rev-parse", f"{THEIRS}:{path}").strip()

    with pytest.raises(MergeConflict) as info:
        merge_into(open_repo(a), REF, their_tip, theirs_name="origin", message="merge")

    message = str(info.value)
    assert "\n" not in message
    assert path in message
    assert ours_blob in message
    assert theirs_blob in message
    assert "origin" in message
    assert (_tip(a), _tip(a, THEIRS)) == before
    # The command the message suggests works and shows the two versions.
    assert "-" in git(a, "diff", ours_blob, theirs_blob)


def test_fast_forward_when_local_is_behind(tmp_path: Path, repo_with_commit: Path) -> None:
    a = repo_with_commit
    put_record(collection(a), "one")
    b = _clone(a, tmp_path / "b")
    _fetch(b, a)
    git(b, "update-ref", REF, THEIRS)
    put_record(collection(b), "two")
    put_record(collection(b), "three")
    their_tip = _fetch(a, b)

    result = merge_into(open_repo(a), REF, their_tip, theirs_name="other", message="sync")

    assert (result.outcome, result.added, result.tip) == ("fast-forward", 2, str(their_tip))
    assert _tip(a) == str(their_tip)
    assert git(a, "rev-list", "--count", REF).strip() == "3"  # no merge commit


def test_up_to_date_when_theirs_is_contained(repo_with_commit: Path) -> None:
    a = repo_with_commit
    coll = collection(a)
    put_record(coll, "one")
    old = pygit2.Oid(hex=_tip(a))
    put_record(coll, "two")
    tip = _tip(a)
    repo = open_repo(a)
    for theirs in (old, pygit2.Oid(hex=tip)):
        result = merge_into(repo, REF, theirs, theirs_name="other", message="sync")
        assert (result.outcome, result.added, result.tip) == ("up-to-date", 0, tip)
    assert _tip(a) == tip


def test_absent_local_ref_is_created_from_theirs(tmp_path: Path, repo_with_commit: Path) -> None:
    a = repo_with_commit
    b = _clone(a, tmp_path / "b")
    put_record(collection(b), "only-there")
    their_tip = _fetch(a, b)
    result = merge_into(open_repo(a), REF, their_tip, theirs_name="other", message="sync")
    assert (result.outcome, result.added) == ("created", 2)  # the record and layout.toml
    assert _tip(a) == str(their_tip)


def test_unknown_commit_raises_gitml_error(repo_with_commit: Path) -> None:
    missing = pygit2.Oid(hex="1" * 40)
    with pytest.raises(GitmlError, match="is not a commit"):
        merge_into(open_repo(repo_with_commit), REF, missing, theirs_name="other", message="m")


def test_notes_merge_with_union_resolver_keeps_lines_of_both(
    tmp_path: Path, repo_with_commit: Path
) -> None:
    a = repo_with_commit
    head = _tip(a, "HEAD")
    b = _clone(a, tmp_path / "b")
    git(a, "commit", "-q", "--allow-empty", "-m", "second")
    second = _tip(a, "HEAD")
    git(b, "fetch", "-q", str(a), "main")
    add_note_lines(open_repo(a), {head: ['RUNA = { status = "completed" }']}, "note a")
    add_note_lines(open_repo(a), {second: ['RUNC = { status = "failed" }']}, "note c")
    add_note_lines(open_repo(b), {head: ['RUNB = { status = "failed" }']}, "note b")
    their_tip = _fetch(a, b, NOTES_REF)

    with pytest.raises(MergeConflict):  # same note, other bytes: needs the resolver
        merge_into(open_repo(a), NOTES_REF, their_tip, theirs_name="other", message="m")
    result = merge_into(
        open_repo(a),
        NOTES_REF,
        their_tip,
        theirs_name="other",
        message="merge notes",
        resolve=union_lines,
    )

    assert result.outcome == "merged"
    shown = git(a, "notes", "--ref=gitml", "show", head)
    assert shown == 'RUNA = { status = "completed" }\nRUNB = { status = "failed" }\n'
    assert git(a, "notes", "--ref=gitml", "show", second) == 'RUNC = { status = "failed" }\n'
    assert read_note(open_repo(a), head) == shown
    assert_fsck_clean(a)


def test_the_added_count_matches_a_tree_diff_and_leaves_gitlinks_out(
    repo_with_commit: Path,
) -> None:
    """``count_added`` (one git process) counts what ``diff_trees`` (tree by tree) yields:
    added and changed blobs, symbolic links included, gitlinks and deletions not."""
    repo = open_repo(repo_with_commit)
    head = git(repo_with_commit, "rev-parse", "HEAD").strip()

    def fed(*args: str, text: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=repo_with_commit, input=text, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def commit(entries: str) -> str:
        return git(repo_with_commit, "commit-tree", fed("mktree", text=entries), "-m", "t").strip()

    def blob(text: str) -> str:
        return fed("hash-object", "-w", "--stdin", text=text)

    a, b, c = blob("a\n"), blob("b\n"), blob("c\n")
    old = commit(f"100644 blob {a}\tkept\n100644 blob {b}\tchanged\n100644 blob {c}\tgone\n")
    new = commit(
        f"100644 blob {a}\tkept\n100644 blob {c}\tchanged\n120000 blob {a}\tlink\n"
        f"160000 commit {head}\tmodule\n100644 blob {b}\tnew\n"
    )
    odb = repo.odb

    def by_tree(before: str | None, after: str) -> int:
        changes = diff_trees(
            odb, commit_tree(odb, before) if before else None, commit_tree(odb, after)
        )
        return sum(1 for _path, _old, added in changes if added is not None)

    assert count_added(repo, old, new) == by_tree(old, new) == 3  # changed, link, new
    assert count_added(repo, None, new) == by_tree(None, new) == 4  # all but the gitlink
    assert count_added(repo, new, old) == by_tree(new, old) == 2  # changed, gone
