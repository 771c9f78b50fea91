from __future__ import annotations

import stat
from pathlib import Path

import pytest

from gitml.objects.cache import Cache
from gitml.objects.digest import Digest, hash_bytes
from gitml.objects.errors import IntegrityError, RemoteError
from gitml.objects.remotes import directory, open_remote
from gitml.objects.remotes.base import Remote
from gitml.objects.remotes.directory import DirectoryRemote
from tests.support.data import assert_download_bounded, write


@pytest.fixture
def remote_dir(tmp_path: Path) -> Path:
    path = tmp_path / "remote"
    path.mkdir()
    return path


def test_open_remote_directory_path_and_file_url(remote_dir: Path) -> None:
    for url in (str(remote_dir), remote_dir.as_uri(), f"file://localhost{remote_dir}"):
        remote = open_remote(url)
        assert isinstance(remote, DirectoryRemote)
        assert isinstance(remote, Remote)
        assert remote.root == remote_dir
        assert remote.url == url


def test_open_remote_file_url_with_spaces(tmp_path: Path) -> None:
    path = tmp_path / "with space"
    path.mkdir()
    assert open_remote(path.as_uri()).root == path  # type: ignore[attr-defined]


def test_open_remote_missing_directory_is_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(RemoteError) as info:
        open_remote(str(tmp_path / "unmounted"))
    message = str(info.value)
    assert "unmounted" in message
    assert "mounted" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("url", "match"),
    [
        ("ftp://example.com/x", "unsupported data remote URL 'ftp://example.com/x'"),
        ("webdav://example.com/x", "unsupported data remote URL"),
        ("file://otherhost/x", "names host 'otherhost'"),
        ("", "empty data remote URL"),
    ],
)
def test_open_remote_rejects_bad_urls(url: str, match: str) -> None:
    with pytest.raises(RemoteError, match=match):
        open_remote(url)


def test_open_remote_directory_rejects_options(remote_dir: Path) -> None:
    with pytest.raises(RemoteError, match=r"unknown option.*endpoint_url"):
        open_remote(str(remote_dir), endpoint_url="http://x")


def test_directory_round_trip(tmp_path: Path, remote_dir: Path) -> None:
    remote = DirectoryRemote(remote_dir)
    digest = write(tmp_path / "src", b"round trip")
    assert remote.has_many([digest]) == set()
    assert remote.upload(digest, tmp_path / "src") == 10
    obj = remote_dir / digest.hex[:2] / digest.hex[2:]
    assert obj.read_bytes() == b"round trip"
    assert stat.S_IMODE(obj.stat().st_mode) == 0o444
    assert remote.has_many([digest, hash_bytes(b"other")]) == {digest}
    assert list(remote.iter_digests()) == [digest]
    assert remote.download(digest, tmp_path / "back" / "file") == 10
    assert (tmp_path / "back" / "file").read_bytes() == b"round trip"
    assert remote.remove(digest)
    assert not remote.remove(digest)


def test_directory_has_many_by_listing(
    tmp_path: Path, remote_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(directory, "_LIST_THRESHOLD", 1)
    remote = DirectoryRemote(remote_dir)
    digests = [write(tmp_path / f"s{i}", f"{i}".encode()) for i in range(4)]
    for i in range(2):
        remote.upload(digests[i], tmp_path / f"s{i}")
    assert remote.has_many(digests) == set(digests[:2])


def test_directory_upload_refuses_corrupt_source(tmp_path: Path, remote_dir: Path) -> None:
    remote = DirectoryRemote(remote_dir)
    digest = write(tmp_path / "src", b"expected")
    (tmp_path / "src").write_bytes(b"rotten!!")
    with pytest.raises(IntegrityError, match="was not uploaded"):
        remote.upload(digest, tmp_path / "src")
    assert list(remote.iter_digests()) == []
    assert [p for p in remote_dir.rglob("*") if not p.is_dir()] == []


def test_directory_download_verifies_and_deletes_on_mismatch(
    tmp_path: Path, remote_dir: Path
) -> None:
    remote = DirectoryRemote(remote_dir)
    digest = write(tmp_path / "src", b"the truth")
    remote.upload(digest, tmp_path / "src")
    obj = remote_dir / digest.hex[:2] / digest.hex[2:]
    obj.chmod(0o644)
    obj.write_bytes(b"a lie!!!!")
    dest_dir = tmp_path / "dest"
    dest_dir.mkdir()
    with pytest.raises(IntegrityError, match=f"object {digest} on data remote .* is corrupt"):
        remote.download(digest, dest_dir / "f")
    assert list(dest_dir.iterdir()) == []


def test_directory_download_missing_object(tmp_path: Path, remote_dir: Path) -> None:
    with pytest.raises(RemoteError, match="is not on data remote"):
        DirectoryRemote(remote_dir).download(hash_bytes(b"?"), tmp_path / "f")


def test_directory_remote_is_a_cache_layout(tmp_path: Path, remote_dir: Path) -> None:
    """A directory remote can be opened as a cache: same ``<2>/<30>`` layout."""
    remote = DirectoryRemote(remote_dir)
    digest: Digest = write(tmp_path / "src", b"same layout")
    remote.upload(digest, tmp_path / "src")
    assert Cache(remote_dir).verify(digest)


@pytest.mark.parametrize("linked", ["shard", "shard-dangling"])
def test_upload_never_writes_through_a_link_in_the_remote(
    tmp_path: Path, remote_dir: Path, linked: str
) -> None:
    """Whoever can write to a shared directory remote can turn a shard into a link (to a
    folder that runs every file it holds, such as ``~/.bashrc.d`` or ``/etc/cron.d``):
    an upload refuses it in one line naming it, and writes nothing there."""
    outside = tmp_path / "outside"
    data = b"* * * * * root touch /pwned\n"
    digest = write(tmp_path / "src", data)
    shard = remote_dir / digest.hex[:2]
    shard.symlink_to(outside if linked == "shard" else tmp_path / "nowhere")
    outside.mkdir()
    remote = DirectoryRemote(remote_dir)
    assert remote.has_many([digest]) == set()
    with pytest.raises(RemoteError) as info:
        remote.upload(digest, tmp_path / "src")
    assert f"'{digest.hex[:2]}' is a symbolic link" in str(info.value)
    assert "\n" not in str(info.value)
    assert list(outside.iterdir()) == []
    assert not (tmp_path / "nowhere").exists()
    assert [p for p in remote_dir.rglob("*") if p.is_file() and not p.is_symlink()] == []


def _tree(root: Path) -> dict[str, bytes | str]:
    """Every path below ``root`` (links not followed): a file's bytes, a link's target."""
    found: dict[str, bytes | str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            found[rel] = str(path.readlink())
        elif path.is_file():
            found[rel] = path.read_bytes()
        else:
            found[rel] = "folder"
    return found


def test_remove_never_deletes_through_a_link_in_the_remote(
    tmp_path: Path, remote_dir: Path
) -> None:
    """Whoever can write to a shared directory remote can turn a shard into a link to a
    folder of someone else's (or the remover's own) files: removing the object whose
    30-hex name a file there has refuses in one line naming the link, and nothing outside
    the remote is deleted; a missing shard is not made by a removal."""
    outside = tmp_path / "outside"
    doomed = hash_bytes(b"an object of the remote")
    bystander = outside / doomed.hex[2:]
    write(bystander, b"the user's own file, named like an object\n")
    write(outside / "keep.txt", b"keep me\n")
    (remote_dir / doomed.hex[:2]).symlink_to(outside)
    before = _tree(tmp_path)
    remote = DirectoryRemote(remote_dir)
    with pytest.raises(RemoteError) as info:
        remote.remove(doomed)
    assert f"'{doomed.hex[:2]}' is a symbolic link" in str(info.value)
    assert "\n" not in str(info.value)
    assert _tree(tmp_path) == before
    absent = hash_bytes(b"never uploaded")
    assert absent.hex[:2] != doomed.hex[:2]
    assert not remote.remove(absent)
    assert not (remote_dir / absent.hex[:2]).exists()
    assert _tree(tmp_path) == before


def test_download_past_its_limit_is_refused_by_its_size(tmp_path: Path, remote_dir: Path) -> None:
    """An object over ``max_bytes`` is refused by its size before a byte is copied; one
    within it is fetched (through the bounded stream)."""
    message = assert_download_bounded(DirectoryRemote(remote_dir), tmp_path)
    assert "is 3.0 MiB" in message
