"""Collections as plain git sees them: git show, git log, git ls-tree, git fsck."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pygit2
import pytest

from gitml.errors import GitmlError
from gitml.records import codec
from gitml.records.ids import new_id
from gitml.records.schema import validate_record
from gitml.storage import blobs
from gitml.storage.collection import LAYOUT_PATH, RecordExists, shard_of
from gitml.storage.repo import open_repo
from tests.storage.helpers import (
    REF,
    assert_all_valid,
    assert_fsck_clean,
    bulk_put,
    collection,
    put_record,
    read_all,
    record,
    record_paths,
)
from tests.support.core import git


def test_record_prints_with_git_show(repo_with_commit: Path) -> None:
    coll = collection(repo_with_commit)
    record_id = new_id()
    put_record(coll, record_id)
    path = coll.record_path(record_id)
    assert path == f"t/{shard_of(record_id)}/{record_id}.toml"
    assert git(repo_with_commit, "show", f"{REF}:{path}").encode() == record(record_id)
    assert coll.read(path) == record(record_id)


def test_layout_file_is_valid_and_names_fanout(repo_with_commit: Path) -> None:
    coll = collection(repo_with_commit)
    put_record(coll, new_id())
    layout = codec.loads(git(repo_with_commit, "show", f"{REF}:{LAYOUT_PATH}"), where="layout")
    validate_record(layout, where="layout")
    assert layout == {
        "schema": "gitml/layout/1",
        "collection": "t",
        "fanout": 4,
        "shard": "xxh3-64:1",
    }


def test_fsck_strict_clean_after_writes(repo_with_commit: Path) -> None:
    coll = collection(repo_with_commit)
    head = git(repo_with_commit, "rev-parse", "HEAD").strip()
    for _ in range(5):
        put_record(coll, new_id())
    coll.put(coll.record_path(new_id()), record("x"), "linked", extra_parents=[head])
    assert_fsck_clean(repo_with_commit)
    assert len(record_paths(repo_with_commit)) == 6


def test_git_log_reads_as_audit_log_one_line_per_write(repo_with_commit: Path) -> None:
    coll = collection(repo_with_commit)
    ids = [new_id() for _ in range(4)]
    for record_id in ids:
        put_record(coll, record_id, f"add run {record_id} (completed)")
    oneline = git(repo_with_commit, "log", "--format=%s", REF).splitlines()
    assert oneline == [f"add run {i} (completed)" for i in reversed(ids)]
    full = git(repo_with_commit, "log", "--format=%B%x00", REF).split("\0")
    assert [m.strip() for m in full if m.strip()] == oneline  # nothing but the one line
    assert [entry.message.strip() for entry in coll.history()] == oneline
    assert [entry.commit for entry in coll.history(limit=2)] == git(
        repo_with_commit, "rev-list", "-n", "2", REF
    ).split()


def test_put_same_bytes_twice_is_a_noop(repo_with_commit: Path) -> None:
    coll = collection(repo_with_commit)
    record_id = new_id()
    first = put_record(coll, record_id)
    assert put_record(coll, record_id) == first
    assert git(repo_with_commit, "rev-list", "--count", REF).strip() == "1"


def test_put_other_bytes_at_existing_path_raises_record_exists(repo_with_commit: Path) -> None:
    coll = collection(repo_with_commit)
    record_id = new_id()
    put_record(coll, record_id)
    tip = git(repo_with_commit, "rev-parse", REF)
    with pytest.raises(RecordExists, match=r"refs/gitml/t:t/.*records are immutable"):
        coll.put(coll.record_path(record_id), record("other"), "overwrite")
    assert git(repo_with_commit, "rev-parse", REF) == tip


def test_extra_parent_keeps_code_commit_reachable(repo_with_commit: Path) -> None:
    repo = repo_with_commit
    git(repo, "commit", "-q", "--allow-empty", "-m", "checkpoint")
    checkpoint = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    coll = collection(repo)
    put_record(coll, new_id())
    tip = coll.put(
        coll.record_path(new_id()), record("y"), "run with checkpoint", extra_parents=[checkpoint]
    )
    parents = git(repo, "rev-list", "--parents", "-n", "1", tip).split()[1:]
    assert parents[1] == checkpoint
    git(repo, "reflog", "expire", "--expire=now", "--all")
    git(repo, "gc", "-q", "--prune=now")
    assert git(repo, "cat-file", "-t", checkpoint).strip() == "commit"
    # The audit log follows first parents only.
    assert (
        git(repo, "log", "--first-parent", "--format=%s", REF).splitlines()[0]
        == "run with checkpoint"
    )


def test_iter_paths_lists_every_record(repo_with_commit: Path) -> None:
    coll = collection(repo_with_commit)
    ids = sorted(new_id() for _ in range(10))
    for record_id in ids:
        put_record(coll, record_id)
    listed = sorted(path for path, _ in coll.iter_paths())
    assert listed == sorted(record_paths(repo_with_commit))
    assert sorted(p.rsplit("/", 1)[1].removesuffix(".toml") for p in listed) == ids
    assert len(assert_all_valid(repo_with_commit)) == 10


def test_write_removes_paths_only_with_replace(repo_with_commit: Path) -> None:
    coll = collection(repo_with_commit)
    record_id = new_id()
    path = coll.record_path(record_id)
    put_record(coll, record_id)
    coll.write(lambda _s: {path: None}, "ignored delete")
    assert path in record_paths(repo_with_commit)
    coll.write(lambda _s: {path: None}, "delete", replace=True)
    assert record_paths(repo_with_commit) == []
    # The emptied shard tree is pruned, not left behind as an empty tree.
    assert git(repo_with_commit, "ls-tree", "--name-only", REF).split() == [LAYOUT_PATH]
    assert_fsck_clean(repo_with_commit)


def _blob_dir(repo: Path, data: bytes) -> Path:
    oid = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
    return repo / ".git" / "objects" / oid[:2]


def _record_in_new_object_dir(repo: Path) -> str:
    for n in range(1000):
        if not _blob_dir(repo, record(f"r{n}")).exists():
            return f"r{n}"
    raise AssertionError("no free object directory")


def test_object_write_failing_for_a_moment_is_retried(repo_with_commit: Path) -> None:
    # What `git gc` (prune-packed removing an empty objects/xx/) can do to a writer:
    # the object's directory is briefly unusable. Here a file stands in its place.
    coll = collection(repo_with_commit)
    record_id = _record_in_new_object_dir(repo_with_commit)
    blocker = _blob_dir(repo_with_commit, record(record_id))
    blocker.write_text("not a directory")
    timer = threading.Timer(0.05, blocker.unlink)
    timer.start()
    try:
        put_record(coll, record_id)
    finally:
        timer.join()
    assert record_paths(repo_with_commit) == [coll.record_path(record_id)]
    assert_fsck_clean(repo_with_commit)


def test_object_write_failing_for_good_raises_gitml_error(repo_with_commit: Path) -> None:
    coll = collection(repo_with_commit)
    record_id = _record_in_new_object_dir(repo_with_commit)
    _blob_dir(repo_with_commit, record(record_id)).write_text("not a directory")
    with pytest.raises(GitmlError, match=r"objects: cannot write git objects .*writable"):
        put_record(coll, record_id)
    assert git(repo_with_commit, "for-each-ref", REF) == ""


def test_extra_parent_that_is_not_a_commit_is_refused(repo_with_commit: Path) -> None:
    coll = collection(repo_with_commit)
    tree = git(repo_with_commit, "rev-parse", "HEAD^{tree}").strip()
    for bad in (tree, "0" * 40, "not-a-sha"):
        with pytest.raises(GitmlError, match="is not a commit"):
            coll.put(coll.record_path("x"), record("x"), "m", extra_parents=[bad])
    assert git(repo_with_commit, "for-each-ref", REF) == ""


@pytest.mark.parametrize("bulk_min", [1, 10_000], ids=["git-cat-file", "pygit2"])
def test_iter_records_reads_every_record(
    repo_with_commit: Path, monkeypatch: pytest.MonkeyPatch, bulk_min: int
) -> None:
    monkeypatch.setattr(blobs, "BULK_MIN", bulk_min)
    coll = collection(repo_with_commit)
    ids = [f"r{n:04d}" for n in range(600)]
    bulk_put(coll, ids, "bulk")
    put_record(coll, "last")
    got = dict(coll.iter_records())
    assert sorted(got) == sorted(record_paths(repo_with_commit))
    assert got == read_all(repo_with_commit, REF, sorted(got))
    assert got[coll.record_path("r0123")] == record("r0123")


def test_bulk_read_of_a_missing_object_raises_gitml_error(
    repo_with_commit: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(blobs, "BULK_MIN", 1)
    repo = open_repo(repo_with_commit)
    missing = pygit2.Oid(hex="2" * 40)
    with pytest.raises(GitmlError, match="is missing or not a blob"):
        list(blobs.read_blobs(repo, [missing]))


def test_message_with_body_keeps_one_line_subject(repo_with_commit: Path) -> None:
    coll = collection(repo_with_commit)
    coll.put(coll.record_path("a"), record("a"), "add run a\n\nGitml-Run: a\n")
    coll.put(coll.record_path("b"), record("b"), "")
    assert git(repo_with_commit, "log", "--format=%s", REF).splitlines() == ["", "add run a"]
    assert "Gitml-Run: a" in git(repo_with_commit, "log", "-1", "--skip=1", "--format=%b", REF)


def test_every_collection_is_declared_once_and_opened_from_its_declaration() -> None:
    import ast

    from gitml.storage import COLLECTION_REFS
    from gitml.storage.collection import DECLARED

    assert sorted(DECLARED) == sorted(COLLECTION_REFS)
    root = Path(__file__).resolve().parents[2] / "gitml"
    built = [
        path.relative_to(root).as_posix()
        for path in root.rglob("*.py")
        if path.parent.name != "storage"
        for node in ast.walk(ast.parse(path.read_text("utf-8")))
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Collection"
    ]
    # sync lists what every ref added since the remote's tip, whatever its layout.
    assert built == ["sync.py"]
