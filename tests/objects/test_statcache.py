from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gitml.objects.digest import hash_file
from gitml.objects.errors import DataError
from gitml.objects.statcache import STATCACHE_FILE, FileStat, StatCache, _i64, hash_with_cache

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "work"
    for i in range(20):
        path = root / "d" / f"f{i:02}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(f"content {i}\n".encode())
        past = time.time_ns() - 10 * 10**9  # well before any stamp: not racy
        os.utime(path, ns=(past, past))
    return root


RELS = [f"d/f{i:02}" for i in range(20)]


def test_first_run_hashes_everything_second_reads_nothing(tree: Path, statcache: StatCache) -> None:
    first = hash_with_cache(tree, RELS, statcache)
    assert first.rehashed == frozenset(RELS)
    assert all(first.digests[r] == hash_file(tree / r) for r in RELS)
    second = hash_with_cache(tree, RELS, statcache)
    assert second.rehashed == frozenset()
    assert second.digests == first.digests
    assert len(statcache) == 20


def test_touching_one_file_rehashes_only_it(tree: Path, statcache: StatCache) -> None:
    hash_with_cache(tree, RELS, statcache)
    past = time.time_ns() - 5 * 10**9
    os.utime(tree / "d/f03", ns=(past, past))
    again = hash_with_cache(tree, RELS, statcache)
    assert again.rehashed == {"d/f03"}


def test_same_size_edit_with_restored_mtime_is_caught_by_ctime(
    tree: Path, statcache: StatCache
) -> None:
    path = tree / "d/f05"
    before = hash_with_cache(tree, RELS, statcache).digests["d/f05"]
    st = path.stat()
    path.write_bytes(b"CONTENT 5\n")  # same size
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # mtime set back
    assert path.stat().st_mtime_ns == st.st_mtime_ns
    assert path.stat().st_size == st.st_size
    after = hash_with_cache(tree, RELS, statcache)
    assert after.rehashed == {"d/f05"}
    assert after.digests["d/f05"] != before
    assert after.digests["d/f05"] == hash_file(path)


def test_replaced_file_is_rehashed_even_with_same_stat_times(
    tree: Path, statcache: StatCache
) -> None:
    hash_with_cache(tree, RELS, statcache)
    path = tree / "d/f07"
    st = path.stat()
    new = tree / "new"
    new.write_bytes(b"content X\n")
    os.utime(new, ns=(st.st_atime_ns, st.st_mtime_ns))
    new.replace(path)  # a new inode under the old name
    after = hash_with_cache(tree, RELS, statcache)
    assert after.rehashed == {"d/f07"}
    assert after.digests["d/f07"] == hash_file(path)


def test_racy_file_is_hashed_but_not_trusted(tree: Path, statcache: StatCache) -> None:
    # An mtime not older than the stamp (here: in the future) could hide a write made in
    # the same timestamp tick, so the entry is not recorded and the file is read again.
    future = time.time_ns() + 3600 * 10**9
    os.utime(tree / "d/f01", ns=(future, future))
    first = hash_with_cache(tree, RELS, statcache)
    assert "d/f01" in first.rehashed
    assert first.stamp_ns is not None
    assert first.stamp_ns <= future
    second = hash_with_cache(tree, RELS, statcache)
    assert second.rehashed == {"d/f01"}
    assert second.digests == first.digests


def test_file_written_just_now_is_not_recorded_until_old_enough(
    tmp_path: Path, statcache: StatCache
) -> None:
    root = tmp_path / "w"
    root.mkdir()
    stamp = statcache.stamp()
    assert stamp is not None
    (root / "f").write_bytes(b"x")
    os.utime(root / "f", ns=(stamp, stamp))  # same tick as a stamp taken now
    statcache.record([("f", FileStat.of((root / "f").stat()), hash_file(root / "f"))], stamp)
    assert len(statcache) == 0
    statcache.record([("f", FileStat.of((root / "f").stat()), hash_file(root / "f"))], stamp + 1)
    assert len(statcache) == 1


def test_missing_files_are_reported_not_raised(tree: Path, statcache: StatCache) -> None:
    (tree / "d/f02").unlink()
    result = hash_with_cache(tree, [*RELS, "nope"], statcache)
    assert result.missing == {"d/f02", "nope"}
    assert "d/f02" not in result.digests


def test_directory_is_rejected(tree: Path, statcache: StatCache) -> None:
    with pytest.raises(DataError, match="'d' is not a regular file"):
        hash_with_cache(tree, ["d"], statcache)


def test_entries_persist_across_instances(tree: Path, tmp_path: Path) -> None:
    with StatCache(tmp_path / "state") as sc:
        hash_with_cache(tree, RELS, sc)
    with StatCache(tmp_path / "state") as sc:
        assert hash_with_cache(tree, RELS, sc).rehashed == frozenset()
        assert set(sc.lookup(RELS)) == set(RELS)


def test_forget_and_clear(tree: Path, statcache: StatCache) -> None:
    hash_with_cache(tree, RELS, statcache)
    statcache.forget(["d/f00", "d/f01"])
    assert len(statcache) == 18
    assert hash_with_cache(tree, RELS, statcache).rehashed == {"d/f00", "d/f01"}
    statcache.clear()
    assert len(statcache) == 0


def test_corrupt_database_is_recreated(tree: Path, tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / STATCACHE_FILE).write_bytes(b"this is not sqlite" * 100)
    with StatCache(state) as sc:
        assert hash_with_cache(tree, RELS, sc).rehashed == frozenset(RELS)
        assert len(sc) == 20


def test_unsigned_stat_fields_round_trip(statcache: StatCache) -> None:
    big = FileStat(_i64(2**64 - 3), _i64(2**63 + 5), 1, 2, 3)
    assert big.dev == -3
    statcache.record([("x", big, "xxh3-128:" + "0" * 32)], stamp_ns=10)
    assert statcache.lookup(["x"])["x"] == (big, "xxh3-128:" + "0" * 32)


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    state = tmp_path / "state"
    StatCache(state).close()
    script = (
        "import sys\n"
        "from gitml.objects.statcache import FileStat, StatCache\n"
        "tag = sys.argv[1]\n"
        "with StatCache(sys.argv[2]) as sc:\n"
        "    for batch in range(20):\n"
        "        sc.record([(f'{tag}/{batch}/{i}', FileStat(1, i, 2, 3, 4), 'xxh3-128:' + '0' * 32)\n"
        "                   for i in range(50)], stamp_ns=10)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [
        subprocess.Popen([sys.executable, "-c", script, tag, str(state)], env=env)
        for tag in ("a", "b", "c")
    ]
    assert [p.wait(timeout=60) for p in procs] == [0, 0, 0]
    with StatCache(state) as sc:
        assert len(sc) == 3 * 20 * 50


def test_record_false_leaves_steady_entries_to_the_caller(tree: Path, statcache: StatCache) -> None:
    result = hash_with_cache(tree, RELS, statcache, record=False)
    assert result.steady == frozenset(RELS)
    assert len(statcache) == 0
    statcache.record(
        [(r, result.stats[r], result.digests[r]) for r in result.steady], result.stamp_ns
    )
    assert hash_with_cache(tree, RELS, statcache).rehashed == frozenset()


def test_unwritable_state_records_nothing_but_still_hashes(tree: Path, tmp_path: Path) -> None:
    state = tmp_path / "state"
    with StatCache(state) as sc:
        shutil.rmtree(state)  # the stamp can no longer be written
        result = hash_with_cache(tree, RELS, sc)
        assert result.stamp_ns is None
        assert result.digests["d/f00"] == hash_file(tree / "d/f00")
        assert hash_with_cache(tree, RELS, sc).rehashed == frozenset(RELS)
