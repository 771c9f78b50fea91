"""What gitml reads from its own refs for a version is bounded by the blob's size.

Anyone with push access writes ``refs/gitml/data``: a forged manifest or file list
there may be any size. A reader asks git for the blob's size (its object header) and
refuses one over the limit the data remote's objects have (a manifest 1 MiB, a file list
``data.max_listing_mb``) before reading it; the audit of fetched history does the same
for every blob it adds. In CI the limit is the target's committed one: a pull request
may lower it, never raise it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from gitml.data.store import profile_path, record_paths
from gitml.objects.digest import Digest, hash_bytes
from gitml.objects.listing import MAGIC
from gitml.records import codec
from tests.security.forge import World, commit_files, point, publish, victim_clone
from tests.support.core import cli, git

DATA = "refs/gitml/data"
CONFIG = ".gitml/config.toml"
NO_HOOKS = ("-c", "core.hooksPath=/dev/null")


def _big_listing() -> bytes:
    """A well-formed file list of 40,000 made-up files: over 2 MiB."""
    lines = [MAGIC]
    for i in range(40_000):
        lines.append(f"{hash_bytes(str(i).encode())}\t1\tf/{i:08d}.bin\n".encode())
    listing = b"".join(lines)
    assert len(listing) > 2 << 20
    return listing


def _manifest(listing: bytes, *, pad: int = 0) -> bytes:
    doc = {
        "schema": "gitml/dataset/1",
        "name": "ds",
        "kind": "directory",
        "files": 40_000,
        "bytes": 40_000,
        "listing": str(hash_bytes(listing)),
    }
    return codec.dump_bytes(doc) + b"#" * pad + (b"\n" if pad else b"")


def _set_listing_limit(repo: Path, mib: float) -> None:
    config = repo / CONFIG
    doc = tomllib.loads(config.read_text())
    doc.setdefault("data", {})["max_listing_mb"] = mib
    config.write_bytes(codec.dump_bytes(doc))


def _forge_on_the_ref(world: World, *, big_manifest: bool) -> tuple[Digest, str]:
    """A version recorded on ``refs/gitml/data`` only (never on the data remote), with an
    oversized file list or manifest; its pointer committed. (digest, oversized path)."""
    listing = _big_listing()
    manifest = _manifest(listing, pad=(3 << 20) if big_manifest else 0)
    digest = hash_bytes(manifest)
    manifest_path, listing_path = record_paths("ds", digest)
    commit_files(world.attacker, DATA, {manifest_path: manifest, listing_path: listing})
    point(world.attacker, "ds", "ds", digest, {"ok.txt": b"honest data\n"})
    publish(world.attacker)
    return digest, manifest_path if big_manifest else listing_path


@pytest.mark.parametrize("big", ["file list", "manifest"])
def test_a_version_on_the_data_ref_over_the_limit_is_never_read(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, big: str
) -> None:
    """A forged version filed on ``refs/gitml/data`` (which a plain ``git fetch`` brings)
    whose file list is over ``data.max_listing_mb``, or whose manifest is over 1 MiB:
    ``data pull`` refuses it in one line naming the blob, its size and the limit, and
    keeps nothing of it in the cache."""
    digest, path = _forge_on_the_ref(world, big_manifest=big == "manifest")
    victim = victim_clone(world, tmp_path / "victim", monkeypatch)
    _set_listing_limit(victim, 1)
    result = cli("data", "pull")
    assert result.exit_code == 1, result
    message = result.stderr.strip()
    assert "\n" not in message, message
    assert f"{DATA}:{path} is " in message, message
    assert "MiB, over the 1.0 MiB limit" in message, message
    if big == "file list":
        assert "data.max_listing_mb" in message, message
    assert "Traceback" not in result.stderr
    cache = victim / ".git" / "gitml" / "cache"
    assert not (cache / digest.hex[:2] / digest.hex[2:]).exists()


def _forge_big_listing_record(world: World) -> str:
    """The attacker files a 2 MiB file list on ``refs/gitml/data`` and pushes it."""
    listing = _big_listing()
    _manifest_path, listing_path = record_paths("ds", hash_bytes(_manifest(listing)))
    commit_files(world.attacker, DATA, {listing_path: listing})
    git(world.attacker, "push", "-q", "-f", "origin", f"+{DATA}:{DATA}")
    return listing_path


@pytest.mark.parametrize("how", ["pull", "fetch --ci from a PR raising the limit", "check --all"])
def test_fetched_history_adding_a_blob_over_the_limit_is_refused(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    """The default branch commits ``data.max_listing_mb = 1``; the attacker pushes a file
    list over it onto ``refs/gitml/data``. ``pull`` refuses it by its size; so does
    ``fetch --ci`` in a pull request's checkout that raises the limit (committed and in
    the work tree: the target's limit holds) and ``check --all`` on records a plain
    ``git fetch`` brought; nothing local changes."""
    _set_listing_limit(world.attacker, 1)
    git(world.attacker, *NO_HOOKS, "commit", "-q", "-am", "file lists up to 1 MiB")
    publish(world.attacker)
    victim = victim_clone(world, tmp_path / "victim", monkeypatch)
    before = git(victim, "rev-parse", DATA).strip()
    path = _forge_big_listing_record(world)
    if how == "check --all":
        git(victim, "fetch", "-q", "origin", f"+{DATA}:{DATA}")
        result = cli("check", "--all")
    elif how == "pull":
        result = cli("pull")
    else:
        git(victim, "switch", "-q", "-c", "pr")
        _set_listing_limit(victim, 4)
        git(victim, *NO_HOOKS, "commit", "-q", "-am", "file lists up to 4 MiB")
        monkeypatch.setenv("GITHUB_BASE_REF", "main")
        result = cli("fetch", "--ci")
    assert result.exit_code == 1, result
    assert path in result.stderr, result
    assert "MiB, over the 1.0 MiB limit for a file list" in result.stderr, result
    if how != "check --all":
        assert git(victim, "rev-parse", DATA).strip() == before


def test_a_profile_on_the_data_ref_over_the_limit_is_never_read(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A profile filed on ``refs/gitml/data`` for a tabular file of a dataset, over the
    1 MiB limit of a record: ``data show`` refuses it in one line naming the blob, its
    size and the limit, and shows nothing of it."""
    attacker = world.attacker
    (attacker / "tab").mkdir()
    (attacker / "tab" / "t.csv").write_bytes(b"age,city\n20,a\n30,b\n")
    assert cli("data", "add", "tab").exit_code == 0
    git(attacker, "add", "-A")
    git(attacker, *NO_HOOKS, "commit", "-q", "-m", "a table")
    digest = hash_bytes((attacker / "tab" / "t.csv").read_bytes())
    path = profile_path(digest)
    big = b'schema = "gitml/profile/1"\n' + b"#" * (3 << 20) + b"\n"
    commit_files(attacker, DATA, {path: big})  # in place of the honest one
    publish(attacker)
    victim = victim_clone(world, tmp_path / "victim", monkeypatch)
    result = cli("data", "show", "tab")
    assert result.exit_code == 1, result
    message = result.stderr.strip()
    assert "\n" not in message, message
    assert f"{DATA}:{path} is 3.0 MiB, over the 1.0 MiB limit" in message, message
    assert "Traceback" not in result.stderr
    assert victim.is_dir()
