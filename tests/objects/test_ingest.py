from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from gitml.objects.cache import Cache, LinkMode, StoreMethod
from gitml.objects.digest import hash_file
from gitml.objects.errors import DataError
from gitml.objects.ingest import add_files, list_files
from gitml.objects.statcache import StatCache, hash_with_cache
from tests.support.data import write


@pytest.fixture
def work(tmp_path: Path) -> Path:
    root = tmp_path / "work"
    write(root / "data" / "a.csv", b"x,y\n1,2\n")
    write(root / "data" / "sub" / "b.bin", os.urandom(1000))
    write(root / "data" / "sub" / "dup.bin", b"x,y\n1,2\n")
    write(root / "data" / ".git" / "HEAD", b"ignored\n")
    write(root / "other.txt", b"other\n")
    past = time.time_ns() - 10 * 10**9
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, ns=(past, past))
    return root


def test_list_files_walks_directories_sorted_and_skips_git(work: Path) -> None:
    assert list_files(work, ["data", "other.txt", work / "data" / "a.csv"]) == [
        "data/a.csv",
        "data/sub/b.bin",
        "data/sub/dup.bin",
        "other.txt",
    ]


def test_list_files_of_root_dot(work: Path) -> None:
    assert "other.txt" in list_files(work, ["."])


def test_list_files_follows_file_symlinks_not_directory_symlinks(work: Path) -> None:
    (work / "data" / "link.csv").symlink_to(work / "data" / "a.csv")
    (work / "data" / "loop").symlink_to(work / "data")
    assert list_files(work, ["data"]) == [
        "data/a.csv",
        "data/link.csv",
        "data/sub/b.bin",
        "data/sub/dup.bin",
    ]


def test_list_files_rejects_outside_and_missing(work: Path, tmp_path: Path) -> None:
    with pytest.raises(DataError, match="outside the work tree"):
        list_files(work, [tmp_path])
    with pytest.raises(DataError, match="outside the work tree"):
        list_files(work, ["../x"])
    with pytest.raises(DataError, match="'nope' does not exist"):
        list_files(work, ["nope"])


def test_list_files_rejects_special_files(work: Path) -> None:
    os.mkfifo(work / "data" / "pipe")
    with pytest.raises(DataError, match="not a regular file"):
        list_files(work, ["data"])


def test_add_files_stores_content_once_per_digest(
    work: Path, tmp_path: Path, statcache: StatCache
) -> None:
    cache = Cache(tmp_path / "cache")
    rels = list_files(work, ["data"])
    result = add_files(work, rels, cache, statcache)
    assert set(result.digests) == set(rels)
    assert result.rehashed == frozenset(rels)
    assert len(result.stored) == 2  # a.csv and dup.bin share one object
    assert result.digests["data/a.csv"] == result.digests["data/sub/dup.bin"]
    for rel, digest in result.digests.items():
        assert digest == hash_file(work / rel)
        assert cache.verify(digest)


def test_add_files_after_hardlink_next_status_reads_nothing(
    work: Path, tmp_path: Path, statcache: StatCache
) -> None:
    cache = Cache(tmp_path / "cache")
    rels = list_files(work, ["data"])
    result = add_files(work, rels, cache, statcache)
    if StoreMethod.HARDLINK not in result.stored.values():
        pytest.skip("no hard links on this filesystem")
    # the link and chmod moved the files' ctime; the entries were refreshed for that
    assert hash_with_cache(work, rels, statcache).rehashed == frozenset()
    again = add_files(work, rels, cache, statcache)
    assert again.rehashed == frozenset()
    assert again.stored == {}


def test_add_files_restores_objects_missing_from_cache(
    work: Path, tmp_path: Path, statcache: StatCache
) -> None:
    cache = Cache(tmp_path / "cache", link=LinkMode.COPY)
    first = add_files(work, ["other.txt"], cache, statcache)
    cache.remove(first.digests["other.txt"])
    again = add_files(work, ["other.txt"], cache, statcache)
    assert again.rehashed == frozenset()  # the stat cache still knows the digest
    assert again.stored == {"other.txt": StoreMethod.COPY}
    assert cache.verify(first.digests["other.txt"])


def test_add_files_missing_path_raises(work: Path, tmp_path: Path, statcache: StatCache) -> None:
    with pytest.raises(DataError, match="'gone' does not exist"):
        add_files(work, ["other.txt", "gone"], Cache(tmp_path / "cache"), statcache)
