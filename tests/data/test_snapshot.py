"""Status snapshots: a clean dataset is confirmed from stats alone, changes are never missed."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from gitml.data import snapshot
from tests.support.core import cli, git


def ok(*args: str) -> str:
    result = cli(*args)
    assert result.exit_code == 0, result
    return result.stdout


def status() -> dict[str, object]:
    return json.loads(ok("data", "status", "--json"))["datasets"][0]  # type: ignore[no-any-return]


@pytest.fixture
def added(in_repo: Path) -> Path:
    data = in_repo / "data"
    for rel in ("a.txt", "sub/b.txt", "sub/deep/c.txt", "empty/.keep"):
        (data / rel).parent.mkdir(parents=True, exist_ok=True)
        (data / rel).write_text(rel)
    past = time.time_ns() - 10 * 10**9
    for path in [data, *data.rglob("*")]:
        os.utime(path, ns=(past, past))
    ok("data", "add", "data", "--link", "copy")
    return in_repo


def _blind(repo: Path) -> None:
    """Remove every copy of the manifest and listing: only the snapshot can answer now."""
    git(repo, "update-ref", "-d", "refs/gitml/data")
    shutil.rmtree(repo / ".git" / "gitml" / "cache")


def test_add_leaves_a_snapshot_that_answers_without_the_file_list(added: Path) -> None:
    snap = snapshot.load(added / ".git" / "gitml", "data")
    assert snap is not None
    assert set(snap.files) == {
        "data/a.txt",
        "data/sub/b.txt",
        "data/sub/deep/c.txt",
        "data/empty/.keep",
    }
    assert all(entry[0] is not None for entry in snap.files.values())
    _blind(added)
    assert status()["clean"] is True


@pytest.mark.parametrize(
    ("change", "field", "path"),
    [
        (lambda d: (d / "sub/b.txt").write_text("other"), "modified", "data/sub/b.txt"),
        (lambda d: (d / "sub/b.txt").write_text("sub/b.tx!"), "modified", "data/sub/b.txt"),
        (lambda d: (d / "sub/deep/c.txt").unlink(), "deleted", "data/sub/deep/c.txt"),
        (lambda d: (d / "empty/new.txt").write_text("n"), "added", "data/empty/new.txt"),
        (
            lambda d: (
                (d / "sub/deep/x/y.txt").parent.mkdir() or (d / "sub/deep/x/y.txt").write_text("y")
            ),
            "added",
            "data/sub/deep/x/y.txt",
        ),
    ],
)
def test_changes_are_seen_through_the_snapshot(
    added: Path, change: object, field: str, path: str
) -> None:
    assert callable(change)
    change(added / "data")
    _blind(added)
    found = status()
    assert found[field] == [path]
    assert found["clean"] is False


def test_touched_file_is_rehashed_and_still_clean(added: Path) -> None:
    target = added / "data" / "a.txt"
    os.utime(target)
    _blind(added)
    assert status()["clean"] is True
    assert status()["clean"] is True


def test_mtime_set_back_after_an_edit_is_still_seen(added: Path) -> None:
    target = added / "data" / "a.txt"
    before = target.stat()
    target.write_text("data/a.tx!")  # same size
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert status()["modified"] == ["data/a.txt"]


def test_damaged_snapshot_is_ignored(added: Path) -> None:
    path = snapshot.snapshot_path(added / ".git" / "gitml", "data")
    path.write_bytes(b"\x00garbage")
    assert status()["clean"] is True
    assert snapshot.load(added / ".git" / "gitml", "data") is not None  # rewritten


def test_snapshot_of_another_version_is_not_used(added: Path) -> None:
    (added / "data" / "a.txt").write_text("v2")
    ok("data", "add", "data", "--link", "copy")
    pointer = added / ".gitml" / "data" / "data.toml"
    git(added, "add", "-A")
    git(added, "commit", "-q", "-m", "v2")
    (added / "data" / "a.txt").write_text("v3")
    git(added, "checkout", "-q", "HEAD", "--", ".gitml")
    assert pointer.is_file()
    assert status()["modified"] == ["data/a.txt"]
