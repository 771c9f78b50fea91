"""Objects written by gitml/storage/odb.py (one pack per flush), checked with the git CLI."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gitml.storage.odb import MODE_BLOB, ObjectWriteError, Signature, TreeEntry, object_id
from gitml.storage.repo import open_repo
from tests.support.core import git

SIZES = (0, 15, 16, 2047, 2048, 300_000)  # pack headers of one, two and three bytes


def test_every_kind_lands_with_the_id_git_gives_it(repo_with_commit: Path) -> None:
    repo = open_repo(repo_with_commit)
    odb = repo.odb
    bodies = {f"f{size}.bin": os.urandom(size) for size in SIZES}
    blobs = {name: odb.write_blob(body) for name, body in bodies.items()}
    tree = odb.write_tree(TreeEntry(name, MODE_BLOB, oid) for name, oid in blobs.items())
    head = git(repo_with_commit, "rev-parse", "HEAD").strip()
    who = Signature(name="A U Thor", email="a@example.com", time=1_700_000_000, offset=60)
    commit = odb.write_commit(tree, [head], "message\n", author=who, committer=who)

    for name, body in bodies.items():
        (repo_with_commit / name).write_bytes(body)
        assert git(repo_with_commit, "hash-object", name).strip() == blobs[name]
    assert git(repo_with_commit, "cat-file", "-t", commit).strip() == "commit"
    assert git(repo_with_commit, "rev-parse", f"{commit}^{{tree}}").strip() == tree
    listed = git(repo_with_commit, "ls-tree", "-r", "--name-only", commit).split()
    assert listed == sorted(bodies)
    assert git(repo_with_commit, "fsck", "--strict", "--no-dangling").strip() == ""


def test_a_commit_left_pending_is_written_by_the_next_flush(repo_with_commit: Path) -> None:
    repo = open_repo(repo_with_commit)
    who = repo.signature()
    blob = repo.odb.write_blob(b"pending\n")
    tree = repo.odb.write_tree([TreeEntry("a.txt", MODE_BLOB, blob)])
    commit = repo.odb.write_commit(tree, [], "pending", author=who, committer=who, flush=False)
    assert git(repo_with_commit, "cat-file", "-e", commit, check=False) == ""
    assert git(repo_with_commit, "cat-file", "-t", blob, check=False) == ""
    repo.odb.flush()
    assert git(repo_with_commit, "cat-file", "-t", commit).strip() == "commit"
    assert git(repo_with_commit, "show", f"{commit}:a.txt") == "pending\n"


def test_a_writer_started_ahead_and_never_used_writes_nothing(repo_with_commit: Path) -> None:
    before = git(repo_with_commit, "count-objects", "-v")
    repo = open_repo(repo_with_commit)
    repo.prepare_writes()
    repo.close()
    assert git(repo_with_commit, "count-objects", "-v") == before


def test_a_sha256_repository_refuses_the_objects(tmp_path: Path) -> None:
    path = tmp_path / "sha256"
    git(tmp_path, "init", "-q", "--object-format=sha256", str(path))
    repo = open_repo(path)
    repo.odb.write_blob(b"data\n")
    with pytest.raises(ObjectWriteError, match="SHA-256 repositories are not supported"):
        repo.odb.flush()


def test_a_failed_flush_keeps_the_objects_of_every_writer(repo_with_commit: Path) -> None:
    # One writer builds a commit and flushes later (``Collection.write``); another's flush
    # fails meanwhile. The first writer's flush must still write its objects before it
    # publishes the commit, or the ref would name objects git never stored.
    repo = open_repo(repo_with_commit)
    who = repo.signature()
    objects = repo_with_commit / ".git" / "objects"
    body = next(
        b for n in range(1000) if not (objects / object_id("blob", b := b"%d\n" % n)[:2]).exists()
    )
    blob = repo.odb.write_blob(body)
    tree = repo.odb.write_tree([TreeEntry("a.txt", MODE_BLOB, blob)])
    commit = repo.odb.write_commit(tree, [], "first", author=who, committer=who, flush=False)
    folder = objects / blob[:2]
    folder.write_text("not a folder: git cannot store the blob\n")
    with pytest.raises(ObjectWriteError):
        repo.odb.flush()
    folder.unlink()
    repo.odb.flush()
    assert git(repo_with_commit, "show", f"{commit}:a.txt") == body.decode()
    assert git(repo_with_commit, "fsck", "--strict", "--no-dangling").strip() == ""
