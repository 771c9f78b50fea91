from __future__ import annotations

import io
from pathlib import Path

import pytest

from gitml.objects.cache import Cache, LinkMode
from gitml.objects.digest import Digest, hash_bytes
from gitml.objects.errors import RemoteError
from gitml.objects.progress import TerminalProgress
from gitml.objects.remotes.base import Remote
from gitml.objects.remotes.directory import DirectoryRemote
from gitml.objects.remotes.s3 import S3Remote
from gitml.objects.transfer import pull, push


@pytest.fixture(params=["directory", "s3"])
def remote(request: pytest.FixtureRequest, tmp_path: Path) -> Remote:
    if request.param == "directory":
        (tmp_path / "remote").mkdir()
        return DirectoryRemote(tmp_path / "remote")
    endpoint = request.getfixturevalue("moto_endpoint")
    bucket = request.getfixturevalue("bucket")
    return S3Remote(bucket, "team/data", endpoint_url=endpoint)


def corrupt_on_remote(remote: Remote, digest: Digest, data: bytes) -> None:
    if isinstance(remote, DirectoryRemote):
        obj = remote.root / digest.hex[:2] / digest.hex[2:]
        obj.chmod(0o644)
        obj.write_bytes(data)
    else:
        assert isinstance(remote, S3Remote)
        remote.client.put_object(Bucket=remote.bucket, Key=remote._key(digest), Body=data)


def test_push_then_pull_round_trip(
    remote: Remote, cache: Cache, filled_cache: dict[Digest, bytes], tmp_path: Path
) -> None:
    digests = list(filled_cache)
    report = push(cache, remote, digests, jobs=4)
    assert report.transferred == set(digests)
    assert report.ok
    assert not report.skipped
    assert not report.missing
    assert report.nbytes == sum(len(v) for v in filled_cache.values())
    assert set(remote.iter_digests()) == set(digests)

    fresh = Cache(tmp_path / "clone-cache", link=LinkMode.COPY)
    back = pull(fresh, remote, digests, jobs=4)
    assert back.transferred == set(digests)
    assert back.ok
    assert back.nbytes == report.nbytes
    for digest, data in filled_cache.items():
        assert fresh.path_of(digest).read_bytes() == data
        assert fresh.verify(digest)
    assert not any(fresh.temp_dir.iterdir())


def test_transfers_skip_what_is_present(
    remote: Remote, cache: Cache, filled_cache: dict[Digest, bytes]
) -> None:
    digests = list(filled_cache)
    push(cache, remote, digests[:2])
    report = push(cache, remote, digests)
    assert report.skipped == set(digests[:2])
    assert report.transferred == set(digests[2:])
    again = push(cache, remote, digests)
    assert again.transferred == set()
    assert again.skipped == set(digests)
    assert again.nbytes == 0
    pulled = pull(cache, remote, digests)
    assert pulled.skipped == set(digests)
    assert pulled.transferred == set()


def test_missing_objects_are_reported(
    remote: Remote, cache: Cache, filled_cache: dict[Digest, bytes], tmp_path: Path
) -> None:
    absent = hash_bytes(b"never stored")
    report = push(cache, remote, [*filled_cache, absent])
    assert report.missing == {absent}
    assert not report.ok
    back = pull(Cache(tmp_path / "other"), remote, [absent, next(iter(filled_cache))])
    assert back.missing == {absent}
    assert len(back.transferred) == 1


def test_pull_reports_corrupt_remote_object_and_keeps_the_rest(
    remote: Remote, cache: Cache, filled_cache: dict[Digest, bytes], tmp_path: Path
) -> None:
    digests = list(filled_cache)
    push(cache, remote, digests)
    bad = digests[2]
    corrupt_on_remote(remote, bad, b"tampered")
    fresh = Cache(tmp_path / "clone-cache")
    report = pull(fresh, remote, digests, jobs=3)
    assert set(report.failed) == {bad}
    assert "is corrupt" in report.failed[bad]
    assert report.transferred == set(digests) - {bad}
    assert not fresh.has(bad)
    assert not report.ok


def test_push_reports_corrupt_cache_object(
    remote: Remote, cache: Cache, filled_cache: dict[Digest, bytes]
) -> None:
    digests = list(filled_cache)
    bad = digests[3]
    obj = cache.path_of(bad)
    obj.chmod(0o644)
    obj.write_bytes(b"bitrot")
    report = push(cache, remote, digests)
    assert set(report.failed) == {bad}
    assert bad not in remote.has_many(digests)


def test_push_shows_progress_totals(
    remote: Remote, cache: Cache, filled_cache: dict[Digest, bytes]
) -> None:
    progress = TerminalProgress(io.StringIO(), delay=60)
    push(cache, remote, filled_cache, progress=progress)
    progress.close()
    total = sum(len(v) for v in filled_cache.values())
    (phase,) = progress.phases
    assert (phase.label, phase.total_files, phase.total_bytes) == ("uploading", 5, total)
    assert (phase.files, phase.nbytes) == (5, total)


def test_push_to_vanished_directory_raises(
    tmp_path: Path, cache: Cache, filled_cache: dict[Digest, bytes]
) -> None:
    target = tmp_path / "gone"
    target.mkdir()
    remote = DirectoryRemote(target)
    target.rmdir()
    target.write_bytes(b"now a file")  # writes below it must fail
    with pytest.raises(RemoteError, match="cannot write to data remote"):
        push(cache, remote, filled_cache)


def test_pull_shows_progress(
    remote: Remote, cache: Cache, filled_cache: dict[Digest, bytes], tmp_path: Path
) -> None:
    push(cache, remote, filled_cache)
    progress = TerminalProgress(io.StringIO(), delay=60)
    sizes = {d: len(v) for d, v in filled_cache.items()}
    pull(Cache(tmp_path / "fresh"), remote, filled_cache, progress=progress, sizes=sizes)
    progress.close()
    (phase,) = progress.phases
    assert (phase.label, phase.total_files, phase.files) == ("downloading", 5, 5)
    assert phase.nbytes == phase.total_bytes == sum(sizes.values())
