"""gs://, azure://, ssh:// and https:// data remotes against real servers on loopback.

OpenSSH's sshd, Azurite and gcp-storage-emulator run on 127.0.0.1 for the session; the
https:// remote reads what a push left in a folder, served by Python's http.server. Each
kind is held to what the directory and S3 remotes do: a verified round trip in parallel,
skipping what is there, naming what is missing, refusing corrupt objects at both ends.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gitml.objects.cache import Cache, LinkMode
from gitml.objects.digest import Digest, hash_bytes
from gitml.objects.errors import IntegrityError, RemoteError, TooLarge
from gitml.objects.progress import TerminalProgress
from gitml.objects.remotes import open_remote
from gitml.objects.remotes.directory import DirectoryRemote
from gitml.objects.remotes.fsspec import FsspecRemote
from gitml.objects.transfer import pull, push
from tests import servers
from tests.support.core import cli, git
from tests.support.data import assert_download_bounded


def _session_server(start: Any, what: str) -> Iterator[Any]:
    try:
        with start() as server:
            yield server
    except servers.Unavailable as exc:
        pytest.skip(f"no {what} on loopback: {exc}")


@pytest.fixture(scope="session")
def ssh_server() -> Iterator[servers.Ssh]:
    yield from _session_server(servers.sshd, "sshd")


@pytest.fixture(scope="session")
def azurite_server() -> Iterator[servers.Azurite]:
    yield from _session_server(servers.azurite, "Azurite")


@pytest.fixture(scope="session")
def gcs_server() -> Iterator[servers.GcsEmulator]:
    yield from _session_server(servers.gcs_emulator, "GCS emulator")


def _azure_container(server: servers.Azurite, name: str) -> None:
    import adlfs

    fs = adlfs.AzureBlobFileSystem(
        connection_string=server.connection_string, skip_instance_cache=True
    )
    if not fs.exists(name):
        fs.mkdir(name)


def remote_url(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, dict[str, Any]]:
    """A fresh, empty remote of ``kind``: its URL and options (credentials in the environment)."""
    tag = hash_bytes(request.node.nodeid.encode()).hex[:12]
    if kind == "ssh":
        server: Any = request.getfixturevalue("ssh_server")
        server.install_client(Path(os.environ["HOME"]))
        (tmp_path / "ssh-store").mkdir()
        return server.url(tmp_path / "ssh-store"), {}
    if kind == "azure":
        server = request.getfixturevalue("azurite_server")
        monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", server.connection_string)
        _azure_container(server, f"c{tag}")
        return f"azure://c{tag}/team/data", {}
    server = request.getfixturevalue("gcs_server")
    return f"gs://{server.bucket}/{tag}/data", {"endpoint_url": server.endpoint, "token": "anon"}


@pytest.fixture(params=["ssh", "azure", "gcs"])
def remote(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> FsspecRemote:
    url, options = remote_url(request.param, request, tmp_path, monkeypatch)
    opened = open_remote(url, **options)
    assert isinstance(opened, FsspecRemote)
    return opened


def _object_path(remote: FsspecRemote, digest: Digest) -> str:
    return f"{remote.root}/{digest.hex[:2]}/{digest.hex[2:]}"


def test_push_then_pull_round_trip_in_parallel(
    remote: FsspecRemote, cache: Cache, filled_cache: dict[Digest, bytes], tmp_path: Path
) -> None:
    digests = list(filled_cache)
    progress = TerminalProgress(delay=60)
    report = push(cache, remote, digests, jobs=4, progress=progress)
    progress.close()
    assert (report.transferred, report.ok) == (set(digests), True)
    assert report.nbytes == sum(len(v) for v in filled_cache.values())
    (phase,) = progress.phases
    assert phase.nbytes == phase.total_bytes == report.nbytes
    assert set(remote.iter_digests()) == set(digests)
    assert remote.has_many(digests) == set(digests)

    fresh = Cache(tmp_path / "clone-cache", link=LinkMode.COPY)
    back = pull(fresh, remote, digests, jobs=4)
    assert (back.transferred, back.ok, back.nbytes) == (set(digests), True, report.nbytes)
    for digest, data in filled_cache.items():
        assert fresh.path_of(digest).read_bytes() == data
    assert not any(fresh.temp_dir.iterdir())
    again = push(cache, remote, digests)
    assert (again.transferred, again.skipped) == (frozenset(), set(digests))


def test_a_corrupt_object_is_refused_at_either_end(
    remote: FsspecRemote, cache: Cache, filled_cache: dict[Digest, bytes], tmp_path: Path
) -> None:
    digests = list(filled_cache)
    push(cache, remote, digests)
    bad = digests[3]
    remote.fs.pipe_file(_object_path(remote, bad), b"tampered")
    assert remote.content_digest(bad) == hash_bytes(b"tampered")
    fresh = Cache(tmp_path / "clone-cache")
    report = pull(fresh, remote, digests, jobs=3)
    assert set(report.failed) == {bad}
    assert "is corrupt" in report.failed[bad]
    assert not fresh.has(bad)
    assert not any(p for p in (tmp_path / "clone-cache").rglob("*.tmp"))

    local = digests[4]
    obj = cache.path_of(local)
    obj.chmod(0o644)
    obj.write_bytes(b"bitrot")
    remote.remove(local)
    sent = push(cache, remote, [local])
    assert set(sent.failed) == {local}
    assert local not in remote.has_many([local])


def test_an_object_the_store_keeps_short_is_refused_deleted_and_sent_again(
    request: pytest.FixtureRequest,
    cache: Cache,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The GCS emulator keeps an upload ending with CR one byte short (``servers.random_bytes``
    says why): the push must say so instead of counting it sent, and must not leave the short
    copy, which a later push would skip and every pull would refuse."""
    url, options = remote_url("gcs", request, tmp_path, monkeypatch)
    remote = open_remote(url, **options)
    assert isinstance(remote, FsspecRemote)
    contents = [b"ends with CR\r", b"\r", b"ends with LF\n", servers.random_bytes(70_000)]
    objects = {}
    for i, data in enumerate(contents):
        path = tmp_path / "src" / str(i)
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        cache.store(path, hash_bytes(data))
        objects[hash_bytes(data)] = data
    short = {d for d, data in objects.items() if data.endswith(b"\r")}

    report = push(cache, remote, list(objects), jobs=4)
    assert set(report.failed) == short, "the emulator keeps a final CR now: see random_bytes"
    assert report.transferred == set(objects) - short
    for message in report.failed.values():
        assert "stored object" in message
        assert "other content than was sent" in message
        assert "\n" not in message
    assert remote.has_many(objects) == set(objects) - short
    assert set(remote.iter_digests()) == set(objects) - short
    again = push(cache, remote, list(objects))
    assert (set(again.failed), again.skipped) == (short, set(objects) - short)

    fresh = Cache(tmp_path / "clone-cache", link=LinkMode.COPY)
    back = pull(fresh, remote, list(objects))
    assert (back.transferred, back.missing) == (set(objects) - short, short)
    for digest in set(objects) - short:
        assert fresh.path_of(digest).read_bytes() == objects[digest]


def test_missing_objects_are_named(remote: FsspecRemote, tmp_path: Path) -> None:
    absent = hash_bytes(b"never stored")
    assert remote.has_many([absent]) == set()
    with pytest.raises(RemoteError, match=f"object {absent} is not on data remote"):
        remote.download(absent, tmp_path / "x")
    assert not (tmp_path / "x").exists()
    remote.remove(absent)  # absent objects are not an error


def test_many_digests_are_looked_up_by_listing(
    remote: FsspecRemote, cache: Cache, tmp_path: Path
) -> None:
    stored = {}
    for i in range(300):
        data = f"object {i}\n".encode()
        path = tmp_path / "src" / str(i)
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        cache.store(path, hash_bytes(data))
        stored[hash_bytes(data)] = data
    push(cache, remote, list(stored)[:200], jobs=8)
    assert remote.has_many(stored) == set(list(stored)[:200])


def test_unreachable_and_missing_remotes_fail_in_one_line(
    gcs_server: servers.GcsEmulator,
    azurite_server: servers.Azurite,
    ssh_server: servers.Ssh,
    monkeypatch: pytest.MonkeyPatch,
    hermetic_git: Path,
) -> None:
    ssh_server.install_client(hermetic_git)
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", azurite_server.connection_string)
    port = servers.free_port()
    cases = [
        (
            "gs://no-such-bucket/x",
            {"endpoint_url": gcs_server.endpoint, "token": "anon"},
            "does not exist",
        ),
        ("azure://no-such-container/x", {}, "does not exist"),
        (ssh_server.url(Path("/no/such/folder")), {}, "does not exist"),
        (f"ssh://{ssh_server.user}@127.0.0.1:{port}/srv", {}, "a check failed on data remote"),
        (f"https://127.0.0.1:{port}/store", {}, "a check failed on data remote"),
    ]
    for url, options, message in cases:
        with pytest.raises(RemoteError, match=message) as caught:
            open_remote(url, **options)
        assert "\n" not in str(caught.value), url


def test_bad_urls_and_options_are_refused_before_anything_runs() -> None:
    for url, message in [
        ("gs://", "expected gs://bucket/prefix"),
        ("azure://", "expected azure://container/prefix"),
        ("ssh://host", "expected ssh://[user@]host[:port]/path"),
        ("ftp://h/p", "unsupported data remote URL 'ftp://h/p'"),
    ]:
        with pytest.raises(RemoteError, match=re.escape(message)):
            open_remote(url, check=False)
    with pytest.raises(RemoteError, match=r"unknown option.*region.*known: keyfile"):
        open_remote("ssh://h/p", check=False, region="x")


@pytest.mark.parametrize(
    ("url", "module", "extra"),
    [
        ("gs://b/p", "gcsfs.core", "gcs"),
        ("azure://c/p", "adlfs", "azure"),
        ("ssh://h/p", "sshfs", "ssh"),
        ("https://h/p", "fsspec.implementations.http", "http"),
    ],
)
def test_a_missing_library_is_named_with_the_extra_of_the_remotes_kind(
    url: str, module: str, extra: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # the module the opener imports: missing
    with pytest.raises(RemoteError) as caught:
        open_remote(url, check=False)
    package = module.split(".")[0]
    assert str(caught.value) == (
        f"data remote '{url}' needs {package}; install it with: pip install 'gitml[{extra}]'"
    )


@pytest.fixture
def served(
    cache: Cache, filled_cache: dict[Digest, bytes], tmp_path: Path
) -> Iterator[tuple[str, dict[Digest, bytes]]]:
    """A directory remote that a push filled, served read-only over HTTP."""
    folder = tmp_path / "published"
    folder.mkdir()
    push(cache, DirectoryRemote(folder), list(filled_cache))
    with servers.http_server(folder) as base:  # the standard library's: always installed
        yield f"{base}/", filled_cache


def test_https_remote_pulls_verified_and_refuses_to_push(
    served: tuple[str, dict[Digest, bytes]], tmp_path: Path, cache: Cache
) -> None:
    url, objects = served
    remote = open_remote(url)
    digests = list(objects)
    fresh = Cache(tmp_path / "clone-cache", link=LinkMode.COPY)
    back = pull(fresh, remote, [*digests, hash_bytes(b"absent")], jobs=4)
    assert back.transferred == set(digests)
    assert back.missing == {hash_bytes(b"absent")}
    assert all(fresh.path_of(d).read_bytes() == data for d, data in objects.items())
    with pytest.raises(RemoteError, match="is read-only"):
        remote.upload(digests[0], cache.path_of(digests[0]))
    with pytest.raises(RemoteError, match="cannot be listed"):
        list(remote.iter_digests())


def test_https_remote_refuses_a_corrupt_object(
    served: tuple[str, dict[Digest, bytes]], tmp_path: Path
) -> None:
    url, objects = served
    bad = list(objects)[2]
    published = tmp_path / "published" / bad.hex[:2] / bad.hex[2:]
    published.chmod(0o644)
    published.write_bytes(b"tampered")
    with pytest.raises(IntegrityError, match="is corrupt"):
        open_remote(url).download(bad, tmp_path / "got")
    assert not (tmp_path / "got").exists()


@pytest.mark.parametrize("kind", ["ssh", "azure", "gcs"])
def test_git_ml_data_push_and_pull_in_a_fresh_clone(
    kind: str,
    request: pytest.FixtureRequest,
    in_repo: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, options = remote_url(kind, request, tmp_path, monkeypatch)
    assert cli("init", "-q").exit_code == 0
    (in_repo / "data").mkdir()
    for i in range(5):
        (in_repo / "data" / f"{i}.bin").write_bytes(servers.random_bytes(1000 * (i + 1)))
    assert cli("data", "add", "data", "-q").exit_code == 0
    args = [f"--option={key}={value}" for key, value in options.items()]
    added = cli("data", "remote", "add", "store", url, *args, "--default")
    assert added.exit_code == 0, added.stderr
    git(in_repo, "add", "-A")
    git(in_repo, "commit", "-q", "-m", "data and remote")
    pushed = cli("data", "push", "--json")
    assert pushed.exit_code == 0, pushed.stderr
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(in_repo), str(clone))
    monkeypatch.chdir(clone)
    pulled = cli("data", "pull")
    assert pulled.exit_code == 0, pulled.stderr
    for i in range(5):
        assert (clone / "data" / f"{i}.bin").read_bytes() == (
            in_repo / "data" / f"{i}.bin"
        ).read_bytes()


def test_remote_add_stores_each_kinds_options_and_refuses_others(in_repo: Path) -> None:
    assert cli("init", "-q").exit_code == 0
    wrong = cli("data", "remote", "add", "g", "gs://b/p", "--option", "keyfile=k")
    assert (wrong.exit_code, wrong.stderr) == (
        2,
        "error: --option keyfile does not apply to gs:// remotes (like 'gs://b/p'); they "
        "take: project, endpoint_url, token\n",
    )
    folder = cli("data", "remote", "add", "f", "dir", "--option", "token=anon")
    assert folder.exit_code == 2, folder
    assert folder.stderr == "error: --option token applies to network remotes, not 'dir'\n"
    bad = cli("data", "remote", "add", "g", "gs://b/p", "--option", "project")
    assert bad.exit_code == 2, bad
    assert "--option 'project': write KEY=VALUE" in bad.stderr
    args = ("--option", "project=p1", "--option", "jobs=4", "--json")
    added = cli("data", "remote", "add", "g", "gs://b/p", *args)
    assert added.exit_code == 0, added.stderr
    config = (in_repo / ".gitml" / "config.toml").read_text()
    assert 'project = "p1"' in config
    assert "jobs = 4" in config
    assert cli("data", "remote", "add", "d", "dir", "--option", "jobs=2").exit_code == 0


def test_a_download_past_its_limit_is_refused_and_leaves_nothing(
    remote: FsspecRemote, tmp_path: Path
) -> None:
    """The store says the object's size before its bytes are read."""
    assert "is 3.0 MiB" in assert_download_bounded(remote, tmp_path)


def test_an_https_download_past_its_limit_is_refused_and_leaves_nothing(
    served: tuple[str, dict[Digest, bytes]], tmp_path: Path
) -> None:
    url, objects = served
    remote = open_remote(url)
    big = next(d for d, data in objects.items() if len(data) == 3 << 20)
    (tmp_path / "in").mkdir()
    with pytest.raises(TooLarge, match=f"object {big} on data remote .* over the 1.0 MiB limit"):
        remote.download(big, tmp_path / "in" / "big", max_bytes=1 << 20)
    assert list((tmp_path / "in").iterdir()) == []
