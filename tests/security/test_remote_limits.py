"""What gitml reads into memory from a data remote for a version is bounded.

A pointer (which anyone can commit) or a manifest (which anyone with push access can
forge) may name any object of the data remote: a multi-gigabyte one would fill the
victim's disk and memory when gitml fetched and read it as a manifest or file list. A
manifest is never fetched past ``records.limits.MAX_RECORD_BYTES`` (1 MiB), a file list
never past ``data.max_listing_mb``; the size is asked first where the remote can say it,
and a download stops at the limit otherwise. Data files themselves are streamed to disk.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitml.data.store import record_paths
from gitml.objects.digest import Digest, hash_bytes
from gitml.objects.errors import TooLarge
from gitml.objects.listing import MAGIC
from gitml.objects.remotes.stream import receive
from gitml.records import codec
from tests.security.forge import World, commit_files, point, publish, victim_clone
from tests.support.core import cli, git
from tests.support.registry import record_run

BIG = 3 << 20  # over the 1 MiB limit for a manifest


def _cache_files(victim: Path) -> set[str]:
    """Every file of the victim's content cache, temporary files included."""
    cache = victim / ".git" / "gitml" / "cache"
    return {p.relative_to(cache).as_posix() for p in cache.rglob("*") if p.is_file()}


def _refused(victim: Path, digest: Digest, limit: str) -> None:
    """``data pull`` fails in one line naming ``digest`` and ``limit``, fetching nothing."""
    before = _cache_files(victim)
    result = cli("data", "pull")
    assert result.exit_code == 1, result
    message = result.stderr.strip()
    assert "\n" not in message, message
    assert str(digest) in message, message
    assert limit in message, message
    assert "Traceback" not in result.stderr
    after = _cache_files(victim)
    assert after == before, after - before
    assert not any(digest.hex[2:] in name for name in after)


def test_a_pointer_naming_a_huge_object_is_never_fetched(
    any_world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The attacker commits a pointer naming a 3 MiB object of the data remote (any data
    file would do) as the manifest; the victim's pull refuses it before downloading it."""
    world = any_world
    huge = world.put(b"x" * BIG)
    point(world.attacker, "ds", "ds", huge, {"ok.txt": b"honest data\n"})
    publish(world.attacker)
    victim = victim_clone(world, tmp_path / "victim", monkeypatch)
    _refused(victim, huge, "1.0 MiB")


def test_a_manifest_naming_a_huge_file_list_is_never_fetched(
    any_world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A forged manifest (filed on ``refs/gitml/data`` under its own digest) names a file
    list over ``data.max_listing_mb``: the victim's pull refuses it, naming the setting."""
    world = any_world
    lines = [MAGIC]
    for i in range(40_000):  # over 2 MiB of well-formed lines
        lines.append(f"{hash_bytes(str(i).encode())}\t1\tf/{i:08d}.bin\n".encode())
    listing = b"".join(lines)
    assert len(listing) > 2 << 20
    listing_digest = world.put(listing)
    manifest = codec.dump_bytes(
        {
            "schema": "gitml/dataset/1",
            "name": "ds",
            "kind": "directory",
            "files": len(lines) - 1,
            "bytes": len(lines) - 1,
            "listing": str(listing_digest),
        }
    )
    digest = world.put(manifest)
    commit_files(world.attacker, "refs/gitml/data", {record_paths("ds", digest)[0]: manifest})
    point(world.attacker, "ds", "ds", digest, {"ok.txt": b"honest data\n"})
    publish(world.attacker)
    victim = victim_clone(world, tmp_path / "victim", monkeypatch)
    config = victim / ".gitml" / "config.toml"
    doc = tomllib.loads(config.read_text())
    doc["data"]["max_listing_mb"] = 1
    config.write_bytes(codec.dump_bytes(doc))
    _refused(victim, listing_digest, "1.0 MiB")
    again = cli("data", "pull")
    assert again.exit_code == 1, again
    assert "data.max_listing_mb" in again.stderr
    doc["data"]["max_listing_mb"] = 4  # raised by the user: the list is fetched
    config.write_bytes(codec.dump_bytes(doc))
    result = cli("data", "pull")
    # The list is read now; its 40,000 made-up files are on no remote.
    assert result.exit_code == 1, result
    assert "40000 file(s) are not on data remote" in result.stderr, result
    assert any(listing_digest.hex[2:] in name for name in _cache_files(victim))


def test_a_pointer_naming_a_big_cached_data_file_is_not_read_into_memory(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The object a pointer names as its manifest may be a data file the victim already
    holds (a big one of another dataset): it is refused by its size, never read whole,
    and the victim's copy stays in the cache."""
    attacker = world.attacker
    (attacker / "big").mkdir()
    (attacker / "big" / "blob.bin").write_bytes(os.urandom(BIG))
    assert cli("data", "add", "big").exit_code == 0
    assert cli("data", "push").exit_code == 0
    git(attacker, "add", "-A")
    git(attacker, "commit", "-q", "-m", "a big dataset")
    publish(attacker)
    data_file = hash_bytes((attacker / "big" / "blob.bin").read_bytes())
    victim = victim_clone(world, tmp_path / "victim", monkeypatch)
    assert cli("data", "pull").exit_code == 0
    cached = victim / ".git" / "gitml" / "cache" / data_file.hex[:2] / data_file.hex[2:]
    assert cached.stat().st_size == BIG
    monkeypatch.chdir(attacker)
    point(attacker, "ds", "ds", data_file, {"ok.txt": b"honest data\n"})
    publish(attacker)
    monkeypatch.chdir(victim)
    git(victim, "pull", "-q", "--ff-only", "origin", "main")
    result = cli("data", "pull")
    assert result.exit_code == 1, result
    assert str(data_file) in result.stderr, result
    assert "1.0 MiB" in result.stderr, result
    assert cached.stat().st_size == BIG


def test_a_download_whose_size_the_remote_did_not_say_stops_at_the_limit(
    tmp_path: Path,
) -> None:
    """Where the remote cannot say an object's size first (a web server without a length),
    the stream every networked remote reads through stops once the limit is passed; no
    byte past it reaches the disk, and nothing is left behind."""
    sent = 0

    def endless() -> Iterator[bytes]:
        nonlocal sent
        while True:
            sent += 1 << 16
            yield b"y" * (1 << 16)

    dest = tmp_path / "in" / "object"
    dest.parent.mkdir()
    with pytest.raises(TooLarge) as info:
        receive(
            endless(), dest, hash_bytes(b"small"), url="https://example.org/d", max_bytes=1 << 20
        )
    assert "1.0 MiB" in str(info.value)
    assert str(hash_bytes(b"small")) in str(info.value)
    assert sent <= (1 << 20) + (1 << 16)
    assert list(dest.parent.iterdir()) == []


def test_a_recorded_version_naming_a_big_cached_object_as_its_list_stops_no_push(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A forged record on ``refs/gitml/data`` whose manifest names, as its file list, a big
    object the victim holds (its own data file, over the file-list limit) is counted as
    its manifest alone: the victim's ``data push`` still pushes."""
    victim = victim_clone(world, tmp_path / "victim", monkeypatch)
    (victim / "big").mkdir()
    (victim / "big" / "blob.bin").write_bytes(os.urandom(BIG))
    assert cli("data", "add", "big").exit_code == 0
    big = hash_bytes((victim / "big" / "blob.bin").read_bytes())
    manifest = codec.dump_bytes(
        {
            "schema": "gitml/dataset/1",
            "name": "trap",
            "kind": "directory",
            "files": 1,
            "bytes": 1,
            "listing": str(big),
        }
    )
    digest = world.put(manifest)
    commit_files(world.attacker, "refs/gitml/data", {record_paths("trap", digest)[0]: manifest})
    publish(world.attacker)
    git(victim, "fetch", "-q", "origin", "+refs/gitml/*:refs/gitml/*")
    config = victim / ".gitml" / "config.toml"
    doc = tomllib.loads(config.read_text())
    doc["data"]["max_listing_mb"] = 1  # under the big object's size, as 256 MiB is under 3 GiB
    config.write_bytes(codec.dump_bytes(doc))
    result = cli("data", "push")
    assert result.exit_code == 0, result
    assert (world.store / big.hex[:2] / big.hex[2:]).stat().st_size == BIG


def test_a_recorded_run_output_that_only_looks_like_a_file_list_stops_no_push(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run record (anyone with push access can write one) whose output names an object
    the victim holds that begins like a file list but is none (a data file of a dataset the
    victim pulled) counts as that object alone: the victim's ``data push`` and ``push``
    still push, and the victim's own data reaches the remote."""
    victim = victim_clone(world, tmp_path / "victim", monkeypatch)
    trap = MAGIC + b"not a file list\n"
    (victim / "shared").mkdir()
    (victim / "shared" / "notes.txt").write_bytes(trap)
    assert cli("data", "add", "shared").exit_code == 0
    monkeypatch.chdir(world.attacker)
    record_run(world.attacker, metrics={"acc": 1.0}, model_bytes=trap)
    assert cli("push", "--no-data").exit_code == 0
    monkeypatch.chdir(victim)
    assert cli("pull").exit_code == 0
    mine = hash_bytes(b"the victim's own data\n")
    (victim / "own").mkdir()
    (victim / "own" / "data.txt").write_bytes(b"the victim's own data\n")
    assert cli("data", "add", "own").exit_code == 0
    result = cli("data", "push")
    assert result.exit_code == 0, result
    assert (world.store / mine.hex[:2] / mine.hex[2:]).is_file()
    git(victim, "add", "-A")
    git(victim, "commit", "-qm", "Own data", "--no-verify")
    result = cli("push")
    assert result.exit_code == 0, result


def test_a_recorded_run_output_that_only_looks_like_a_file_list_stops_no_gc(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same run record stops no ``data gc`` (which a hostile record could otherwise
    keep from ever running): the object names no files, so it is kept alone."""
    victim = victim_clone(world, tmp_path / "victim", monkeypatch)
    trap = MAGIC + b"not a file list\n"
    (victim / "trap.bin").write_bytes(trap)
    monkeypatch.chdir(world.attacker)
    record_run(world.attacker, metrics={"acc": 1.0}, model_bytes=trap)
    assert cli("push", "--no-data").exit_code == 0
    monkeypatch.chdir(victim)
    assert cli("pull").exit_code == 0
    assert cli("data", "add", "trap.bin").exit_code == 0
    result = cli("data", "gc", "--yes", "--all-commits")
    assert result.exit_code == 0, result
    cached = victim / ".git" / "gitml" / "cache" / hash_bytes(trap).hex[:2]
    assert (cached / hash_bytes(trap).hex[2:]).is_file()
