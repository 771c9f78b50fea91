"""Path digests: DVC's md5 (files and folders), gitml's xxh3, read once per change."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from gitml.objects.digest import hash_bytes, hash_file
from gitml.objects.listing import Entry, encode
from gitml.pipelines import state as state_mod
from gitml.pipelines.state import State


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "d" / "sub").mkdir(parents=True)
    (tmp_path / "d" / "a.txt").write_bytes(b"hello\n")
    (tmp_path / "d" / "sub" / "b.txt").write_bytes(b"x\r\ny\n")
    (tmp_path / "f.sh").write_bytes(b"top\n")
    (tmp_path / "f.sh").chmod(0o755)
    return tmp_path


def old(path: Path) -> None:
    """Move a file's mtime into the past, as if written long ago (no racy stat)."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - 10**10))


def test_file_and_folder_digests_match_dvc_and_gitml(tree: Path) -> None:
    s = State(tree, tree / ".git")
    f = s.info("f.sh")
    assert f is not None
    assert f.md5 == hashlib.md5(b"top\n").hexdigest()
    assert f.digest == hash_file(tree / "f.sh")
    assert f.isexec
    assert f.lock_fields() == {"hash": "md5", "md5": f.md5, "size": 4, "isexec": True}
    d = s.info("d")
    assert d is not None
    listing = [
        {"md5": hashlib.md5(b"hello\n").hexdigest(), "relpath": "a.txt"},
        {"md5": hashlib.md5(b"x\r\ny\n").hexdigest(), "relpath": "sub/b.txt"},
    ]
    expected = hashlib.md5(json.dumps(listing, sort_keys=True).encode()).hexdigest() + ".dir"
    assert d.md5 == expected
    entries = [
        Entry("a.txt", hash_file(tree / "d/a.txt"), 6),
        Entry("sub/b.txt", hash_file(tree / "d/sub/b.txt"), 5),
    ]
    assert d.digest == hash_bytes(encode(entries))
    assert (d.size, d.nfiles) == (11, 2)
    assert s.info("missing") is None


def test_unchanged_paths_are_not_read_again(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for path in [tree / "d/a.txt", tree / "d/sub/b.txt", tree / "f.sh", tree / "d/sub", tree / "d"]:
        old(path)
    first = State(tree, tree / ".git")
    before = (first.info("d"), first.info("f.sh"))
    first.save()
    read: list[str] = []
    real = state_mod._hash_pair

    def spy(path: str) -> tuple[str, str, os.stat_result]:
        read.append(path)
        return real(path)

    monkeypatch.setattr(state_mod, "_hash_pair", spy)
    again = State(tree, tree / ".git")
    assert (again.info("d"), again.info("f.sh")) == before
    assert read == []
    (tree / "d" / "sub" / "b.txt").write_bytes(b"changed\n")
    third = State(tree, tree / ".git")
    changed = third.info("d")
    assert changed is not None
    assert changed.md5 != before[0].md5  # type: ignore[union-attr]
    assert read == [f"{tree}/d/sub/b.txt"]


def test_added_and_removed_files_are_seen(tree: Path) -> None:
    s = State(tree, tree / ".git")
    first = s.info("d")
    s.save()
    (tree / "d" / "sub" / "new.txt").write_text("n")
    second = State(tree, tree / ".git").info("d")
    assert second is not None
    assert second.nfiles == 3
    (tree / "d" / "a.txt").unlink()
    third = State(tree, tree / ".git").info("d")
    assert third is not None
    assert third.nfiles == 2
    assert third.md5 != first.md5  # type: ignore[union-attr]


def test_damaged_state_file_means_hash_again(tree: Path) -> None:
    s = State(tree, tree / ".git")
    good = s.info("f.sh")
    s.save()
    s.path.write_bytes(b"\x00garbage")
    assert State(tree, tree / ".git").info("f.sh") == good
