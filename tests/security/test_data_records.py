"""Dataset records on ``refs/gitml/data`` are believed only when they hash to their names.

A plain ``git fetch`` of ``refs/gitml/*`` (a CI checkout) brings records gitml's pull
never audited, so every read of a manifest or file list from the ref checks its content
against the digest it is filed under; one that differs is passed over and the version is
taken from the data remote, whose objects are verified too.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from gitml.data.store import record_paths
from gitml.objects.digest import Digest
from tests.security.forge import World, commit_files, forge_version, publish, victim_clone
from tests.support.core import git, ok


def test_a_record_edited_under_its_digest_is_never_used(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The attacker files the manifest and file list of a forged version under the names
    of the honest version the pointer names; the victim's checkout writes honest data."""
    attacker = world.attacker
    pointer = tomllib.loads((attacker / ".gitml" / "data" / "ds.toml").read_text())
    honest = Digest(pointer["manifest"])
    forged = forge_version(world, "ds", {"ok.txt": b"forged data\n"})
    forged_manifest, forged_listing = record_paths("ds", forged)
    manifest_path, listing_path = record_paths("ds", honest)
    commit_files(
        attacker,
        "refs/gitml/data",
        {
            manifest_path: git(
                attacker, "cat-file", "blob", f"refs/gitml/data:{forged_manifest}"
            ).encode(),
            listing_path: git(
                attacker, "cat-file", "blob", f"refs/gitml/data:{forged_listing}"
            ).encode(),
        },
    )
    publish(attacker)
    victim = victim_clone(world, tmp_path / "victim", monkeypatch)
    ok("data", "checkout")
    assert (victim / "ds" / "ok.txt").read_bytes() == b"honest data\n"


def test_a_cache_object_changed_in_place_is_passed_over(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A manifest in the cache whose bytes no longer hash to its name (edited through a
    shared inode, or swapped) is removed and read again from the ref, never parsed."""
    forged = forge_version(world, "ds", {"ok.txt": b"forged data\n"})
    publish(world.attacker)
    victim = victim_clone(world, tmp_path / "victim", monkeypatch)
    ok("data", "checkout")
    pointer = tomllib.loads((victim / ".gitml" / "data" / "ds.toml").read_text())
    honest = Digest(pointer["manifest"])
    cached = victim / ".git" / "gitml" / "cache" / honest.hex[:2] / honest.hex[2:]
    assert cached.is_file()
    forged_manifest = record_paths("ds", forged)[0]
    cached.chmod(0o644)
    cached.write_text(git(victim, "cat-file", "blob", f"refs/gitml/data:{forged_manifest}"))
    (victim / "ds" / "ok.txt").unlink()
    ok("data", "checkout")
    assert (victim / "ds" / "ok.txt").read_bytes() == b"honest data\n"
