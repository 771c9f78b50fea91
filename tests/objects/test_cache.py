from __future__ import annotations

import io
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from gitml.objects.cache import OBJECT_MODE, Cache, LinkMode, StoreMethod
from gitml.objects.digest import hash_bytes, hash_file
from gitml.objects.errors import DataError, IntegrityError, SourceChanged
from gitml.objects.progress import TerminalProgress
from tests.support.data import write

REPO = Path(__file__).resolve().parents[2]
IS_ROOT = os.geteuid() == 0


def no_temps(cache: Cache) -> bool:
    return not cache.temp_dir.exists() or not any(cache.temp_dir.iterdir())


def test_store_copy_creates_read_only_object_at_sharded_path(tmp_path: Path, cache: Cache) -> None:
    digest = write(tmp_path / "a.bin", b"payload")
    assert cache.store(tmp_path / "a.bin", digest) is StoreMethod.COPY
    obj = cache.root / digest.hex[:2] / digest.hex[2:]
    assert cache.path_of(digest) == obj
    assert obj.read_bytes() == b"payload"
    assert stat.S_IMODE(obj.stat().st_mode) == OBJECT_MODE
    assert obj.stat().st_ino != (tmp_path / "a.bin").stat().st_ino
    assert stat.S_IMODE((tmp_path / "a.bin").stat().st_mode) & 0o200  # source untouched
    assert cache.has(digest)
    assert cache.size_of(digest) == 7
    assert cache.store(tmp_path / "a.bin", digest) is StoreMethod.PRESENT


def test_store_auto_hardlinks_and_makes_work_tree_file_read_only(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    src = tmp_path / "data.csv"
    digest = write(src, b"a,b\n1,2\n")
    src.chmod(0o755)
    method = cache.store(src, digest)
    if method is StoreMethod.REFLINK:
        pytest.skip("copy-on-write filesystem: reflink wins over hardlink")
    assert method is StoreMethod.HARDLINK
    assert cache.path_of(digest).stat().st_ino == src.stat().st_ino
    assert stat.S_IMODE(src.stat().st_mode) == 0o555  # write bits gone, exec kept
    if not IS_ROOT:
        with pytest.raises(PermissionError):
            src.open("ab")


def test_store_auto_copies_file_with_other_hard_links(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    src = tmp_path / "data"
    digest = write(src, b"shared")
    os.link(src, tmp_path / "other-name")
    method = cache.store(src, digest)
    assert method in (StoreMethod.COPY, StoreMethod.REFLINK)
    assert cache.path_of(digest).stat().st_ino != src.stat().st_ino
    assert stat.S_IMODE(src.stat().st_mode) & 0o200  # still writable


def test_store_reflink_mode_never_shares_the_inode(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache", link=LinkMode.REFLINK)
    src = tmp_path / "data"
    digest = write(src, b"x" * 5000)
    assert cache.store(src, digest) in (StoreMethod.COPY, StoreMethod.REFLINK)
    assert cache.path_of(digest).stat().st_ino != src.stat().st_ino
    assert stat.S_IMODE(src.stat().st_mode) & 0o200


@pytest.mark.parametrize("link", [LinkMode.AUTO, LinkMode.COPY])
def test_store_with_wrong_digest_stores_nothing_and_restores_mode(
    tmp_path: Path, link: LinkMode
) -> None:
    cache = Cache(tmp_path / "cache", link=link)
    src = tmp_path / "data"
    stale = write(src, b"old content")
    src.write_bytes(b"new content")
    with pytest.raises(SourceChanged, match="changed while being added"):
        cache.store(src, stale)
    assert not cache.has(stale)
    assert list(cache.iter_digests()) == []
    assert no_temps(cache)
    assert stat.S_IMODE(src.stat().st_mode) & 0o200


def test_store_missing_source_raises_data_error(tmp_path: Path, cache: Cache) -> None:
    with pytest.raises(DataError, match="cannot read"):
        cache.store(tmp_path / "nope", hash_bytes(b""))


@pytest.mark.parametrize("link", [LinkMode.AUTO, LinkMode.COPY])
def test_store_many_dedups_and_stores_all(tmp_path: Path, link: LinkMode) -> None:
    cache = Cache(tmp_path / "cache", link=link)
    items = []
    for i in range(200):
        data = f"file {i % 150}".encode()  # 50 duplicates
        items.append((tmp_path / "w" / f"f{i}", write(tmp_path / "w" / f"f{i}", data)))
    done = cache.store_many(items, jobs=4)
    assert set(done) == {p for p, _ in items}
    assert sorted(cache.iter_digests()) == sorted({d for _, d in items})
    assert all(cache.verify(d) for _, d in items)
    assert no_temps(cache)


def test_store_many_failure_publishes_nothing_pending(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache", link=LinkMode.COPY)
    items = [(tmp_path / f"f{i}", write(tmp_path / f"f{i}", f"{i}".encode())) for i in range(5)]
    items.append((tmp_path / "missing", hash_bytes(b"?")))
    with pytest.raises(DataError, match="missing"):
        cache.store_many(items, jobs=1)
    assert list(cache.iter_digests()) == []
    assert no_temps(cache)


def test_verify_detects_corruption(tmp_path: Path, cache: Cache) -> None:
    digest = write(tmp_path / "f", b"good")
    cache.store(tmp_path / "f", digest)
    assert cache.verify(digest)
    obj = cache.path_of(digest)
    obj.chmod(0o644)
    obj.write_bytes(b"evil")
    assert not cache.verify(digest)
    with pytest.raises(DataError, match="not in the cache"):
        cache.verify(hash_bytes(b"absent"))


def test_materialize_writes_independent_writable_file(tmp_path: Path, cache: Cache) -> None:
    digest = write(tmp_path / "f", b"restore me")
    cache.store(tmp_path / "f", digest)
    dest = tmp_path / "work" / "sub" / "out.txt"
    method = cache.materialize(digest, dest)
    assert method in (StoreMethod.COPY, StoreMethod.REFLINK)
    assert dest.read_bytes() == b"restore me"
    assert dest.stat().st_ino != cache.path_of(digest).stat().st_ino
    assert stat.S_IMODE(dest.stat().st_mode) & 0o200
    dest.write_bytes(b"edited")  # editing the work tree leaves the object intact
    assert cache.verify(digest)


def test_materialize_replaces_existing_file_and_leaves_no_temp(
    tmp_path: Path, cache: Cache
) -> None:
    digest = write(tmp_path / "f", b"new")
    cache.store(tmp_path / "f", digest)
    dest = tmp_path / "work" / "out"
    dest.parent.mkdir()
    dest.write_bytes(b"old version")
    cache.materialize(digest, dest)
    assert dest.read_bytes() == b"new"
    assert sorted(p.name for p in dest.parent.iterdir()) == ["out"]


def test_materialize_refuses_corrupt_object_and_keeps_dest(tmp_path: Path, cache: Cache) -> None:
    digest = write(tmp_path / "f", b"original")
    cache.store(tmp_path / "f", digest)
    obj = cache.path_of(digest)
    obj.chmod(0o644)
    obj.write_bytes(b"bitrot!!")
    dest = tmp_path / "work" / "out"
    dest.parent.mkdir()
    dest.write_bytes(b"keep")
    with pytest.raises(IntegrityError, match="is corrupt"):
        cache.materialize(digest, dest)
    assert dest.read_bytes() == b"keep"
    assert sorted(p.name for p in dest.parent.iterdir()) == ["out"]


def test_materialize_missing_object_says_pull(tmp_path: Path, cache: Cache) -> None:
    with pytest.raises(DataError, match="pull it from a data remote"):
        cache.materialize(hash_bytes(b"nothing"), tmp_path / "out")


def test_iter_digests_skips_temp_and_foreign_files(tmp_path: Path, cache: Cache) -> None:
    digest = write(tmp_path / "f", b"one")
    cache.store(tmp_path / "f", digest)
    (cache.temp_dir).mkdir(exist_ok=True)
    (cache.temp_dir / "leftover.tmp").write_bytes(b"partial")
    (cache.root / "zz").mkdir()
    (cache.root / "zz" / ("0" * 30)).write_bytes(b"")
    (cache.path_of(digest).parent / "README").write_bytes(b"")
    assert list(cache.iter_digests()) == [digest]


def test_remove(tmp_path: Path, cache: Cache) -> None:
    digest = write(tmp_path / "f", b"bye")
    cache.store(tmp_path / "f", digest)
    assert cache.remove(digest)
    assert not cache.has(digest)
    assert not cache.remove(digest)


def test_clean_temp_removes_only_old_files(cache: Cache) -> None:
    cache.temp_dir.mkdir(parents=True)
    old, new = cache.temp_dir / "old.tmp", cache.temp_dir / "new.tmp"
    old.write_bytes(b"")
    new.write_bytes(b"")
    past = time.time() - 7200
    os.utime(old, (past, past))
    assert cache.clean_temp() == 1
    assert [p.name for p in cache.temp_dir.iterdir()] == ["new.tmp"]


STORE_SCRIPT = """
import sys
from gitml.objects.cache import Cache, LinkMode
from gitml.objects.digest import parse_digest
cache = Cache(sys.argv[1], link=LinkMode(sys.argv[4]))
print("ready", flush=True)
cache.store(sys.argv[2], parse_digest(sys.argv[3]))
print("done", flush=True)
"""


def _big_file(path: Path, mib: int) -> str:
    block = os.urandom(1 << 20)
    with path.open("wb") as f:
        for i in range(mib):
            f.write(i.to_bytes(8, "little") + block[8:])
    return hash_file(path)


def _spawn(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-c", STORE_SCRIPT, *args], stdout=subprocess.PIPE, text=True, env=env
    )
    assert proc.stdout is not None
    assert proc.stdout.readline() == "ready\n"
    return proc


def test_sigkill_mid_copy_leaves_no_object_and_store_completes(tmp_path: Path) -> None:
    src = tmp_path / "big.bin"
    digest = _big_file(src, 128)
    cache = Cache(tmp_path / "cache", link=LinkMode.COPY)
    proc = _spawn(str(cache.root), str(src), digest, "copy")
    deadline = time.monotonic() + 30
    while not (cache.temp_dir.exists() and any(cache.temp_dir.iterdir())):
        assert time.monotonic() < deadline, "the store never started writing"
        assert proc.poll() is None, "the store finished before it could be killed"
        time.sleep(0.001)
    proc.kill()
    proc.wait()
    assert not cache.path_of(digest).exists()  # killed mid-write: no object at all
    assert list(cache.iter_digests()) == []
    assert any(cache.temp_dir.iterdir())  # only a stray temporary file
    assert cache.store(src, digest) is StoreMethod.COPY
    assert cache.verify(digest)
    assert cache.clean_temp(older_than=0) >= 1
    assert list(cache.iter_digests()) == [digest]


@pytest.mark.parametrize("link", ["copy", "auto"])
def test_sigkill_at_any_moment_never_leaves_a_corrupt_object(tmp_path: Path, link: str) -> None:
    src = tmp_path / "big.bin"
    digest = _big_file(src, 128)
    cache = Cache(tmp_path / "cache", link=LinkMode(link))
    for delay in (0.0, 0.02, 0.05, 0.1):
        cache.remove(digest)
        proc = _spawn(str(cache.root), str(src), digest, link)
        time.sleep(delay)
        proc.kill()
        proc.wait()
        for present in cache.iter_digests():
            assert cache.verify(present)
    cache.remove(digest)
    assert cache.store(src, digest) is not StoreMethod.PRESENT
    assert cache.verify(digest)


def test_store_through_symlink_copies_target_and_leaves_it_alone(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache")
    target = tmp_path / "elsewhere" / "real.bin"
    digest = write(target, b"pointed at")
    link = tmp_path / "work" / "link.bin"
    link.parent.mkdir()
    link.symlink_to(target)
    assert cache.store(link, digest) in (StoreMethod.COPY, StoreMethod.REFLINK)
    obj = cache.path_of(digest)
    assert not obj.is_symlink()
    assert obj.read_bytes() == b"pointed at"
    assert target.stat().st_nlink == 1
    assert stat.S_IMODE(target.stat().st_mode) & 0o200


def test_store_hardlinks_the_inode_that_was_verified(tmp_path: Path) -> None:
    """The link is made from the open file, so the object is the inode that was re-read."""
    cache = Cache(tmp_path / "cache")
    src = tmp_path / "f"
    digest = write(src, b"inode check")
    method = cache.store(src, digest)
    if method is StoreMethod.REFLINK:
        pytest.skip("copy-on-write filesystem")
    obj = cache.path_of(digest)
    assert not obj.is_symlink()
    assert obj.stat().st_ino == src.stat().st_ino
    assert src.stat().st_nlink == 2


def test_size_of_missing_object_says_pull(cache: Cache) -> None:
    with pytest.raises(DataError, match="not in the cache"):
        cache.size_of(hash_bytes(b"absent"))


def test_materialize_onto_a_directory_is_a_clear_error(tmp_path: Path, cache: Cache) -> None:
    digest = write(tmp_path / "f", b"x")
    cache.store(tmp_path / "f", digest)
    (tmp_path / "work" / "out").mkdir(parents=True)
    with pytest.raises(DataError, match=r"cannot write '.*out'"):
        cache.materialize(digest, tmp_path / "work" / "out")


@pytest.mark.skipif(not Path("/dev/shm").is_dir(), reason="needs a second filesystem")
def test_store_across_filesystems_copies(tmp_path: Path) -> None:
    shm = Path(tempfile.mkdtemp(dir="/dev/shm"))
    try:
        if shm.stat().st_dev == tmp_path.stat().st_dev:
            pytest.skip("/dev/shm is on the same filesystem")
        cache = Cache(shm / "cache")
        digest = write(tmp_path / "f", b"elsewhere")
        assert cache.store(tmp_path / "f", digest) in (StoreMethod.COPY, StoreMethod.REFLINK)
        assert (tmp_path / "f").stat().st_nlink == 1
        assert cache.verify(digest)
    finally:
        shutil.rmtree(shm)


def test_store_many_reports_progress(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "cache", link=LinkMode.COPY)
    items = [(tmp_path / f"f{i}", write(tmp_path / f"f{i}", bytes(i))) for i in range(10)]
    progress = TerminalProgress(io.StringIO(), delay=60)
    cache.store_many(items, progress=progress, sizes={path: i for i, (path, _) in enumerate(items)})
    progress.close()
    (phase,) = progress.phases
    assert (phase.label, phase.total_files, phase.files) == ("caching", 10, 10)
    assert phase.nbytes == phase.total_bytes == sum(range(10))
