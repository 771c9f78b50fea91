"""An attacker with push access to the shared git remote and the data remote.

The attacker does not need gitml to agree: dataset versions are forged with plain files
(objects written straight into the directory data remote) and git plumbing (records
committed onto ``refs/gitml/data`` with ``git hash-object``/``update-index``/
``commit-tree``), then published with ``git push``. Victims fetch with plain git, as a
CI checkout or ``git fetch origin '+refs/gitml/*:refs/gitml/*'`` does.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gitml.data.store import record_paths
from gitml.objects.digest import Digest, hash_bytes
from gitml.objects.listing import MAGIC
from gitml.records import codec
from tests.support.core import git, ok
from tests.support.data import write

__all__ = ["ok", "write"]


@dataclass(frozen=True)
class World:
    """The shared git remote, the data remote and a folder nobody should touch.

    The data remote is the directory ``store``, or (with ``s3``: a boto3 client and a
    bucket) the prefix ``data/`` of that bucket on the moto server.
    """

    origin: Path
    store: Path
    outside: Path
    attacker: Path
    s3: tuple[Any, str] | None = None

    def put(self, data: bytes) -> Digest:
        """Write an object straight onto the data remote (no gitml involved)."""
        digest = hash_bytes(data)
        if self.s3 is None:
            write(self.store / digest.hex[:2] / digest.hex[2:], data)
        else:
            client, bucket = self.s3
            client.put_object(
                Bucket=bucket, Key=f"data/{digest.hex[:2]}/{digest.hex[2:]}", Body=data
            )
        return digest


def make_world(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, s3: tuple[Any, str, str] | None = None
) -> World:
    """An attacker clone with a data remote configured and one honest dataset pushed.

    ``s3`` is ``(client, bucket, endpoint)`` for an S3 data remote instead of a directory.
    """
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", str(origin))
    store = tmp_path / "store"
    store.mkdir()
    outside = tmp_path / "outside"
    write(outside / "authorized_keys", b"the victim's own key\n")
    write(outside / "deep" / "keep.txt", b"keep me\n")
    attacker = tmp_path / "attacker"
    attacker.mkdir()
    git(attacker, "init", "-q")
    git(attacker, "remote", "add", "origin", str(origin))
    monkeypatch.chdir(attacker)
    write(attacker / "README.md", b"project\n")
    if s3 is None:
        ok("data", "remote", "add", "store", str(store), "--default")
    else:
        url = f"s3://{s3[1]}/data"
        ok("data", "remote", "add", "store", url, "--default", "--endpoint-url", s3[2])
    write(attacker / "ds" / "ok.txt", b"honest data\n")
    ok("data", "add", "ds")
    ok("data", "push")
    git(attacker, "add", "-A")
    git(attacker, "commit", "-q", "-m", "project with a dataset")
    publish(attacker)
    return World(origin, store, outside, attacker, None if s3 is None else (s3[0], s3[1]))


def forge_version(
    world: World, name: str, files: dict[str, bytes], *, kind: str = "directory"
) -> Digest:
    """Record a version of dataset ``name`` whose file list holds ``files`` verbatim."""
    lines = [MAGIC]
    for path, data in sorted(files.items()):
        digest = world.put(data)
        lines.append(f"{digest}\t{len(data)}\t{path}\n".encode())
    listing = b"".join(lines)
    listing_digest = world.put(listing)
    manifest = codec.dump_bytes(
        {
            "schema": "gitml/dataset/1",
            "name": name,
            "kind": kind,
            "files": len(files),
            "bytes": sum(len(d) for d in files.values()),
            "listing": str(listing_digest),
        }
    )
    digest = world.put(manifest)
    manifest_path, listing_path = record_paths(name, digest)
    commit_files(
        world.attacker, "refs/gitml/data", {manifest_path: manifest, listing_path: listing}
    )
    return digest


def commit_files(repo: Path, ref: str, files: dict[str, bytes]) -> None:
    """Add ``files`` to the tree of ``ref`` in a new commit on top of it (plumbing only)."""
    index = repo / ".git" / "forge-index"
    env = {"GIT_INDEX_FILE": str(index)}
    old = git(repo, "rev-parse", ref).strip()
    git(repo, "read-tree", old, env=env)
    for path, data in files.items():
        blob = hash_blob(repo, data)
        git(repo, "update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", env=env)
    tree = git(repo, "write-tree", env=env).strip()
    commit = git(repo, "commit-tree", tree, "-p", old, "-m", "forged").strip()
    git(repo, "update-ref", ref, commit, old)
    index.unlink()


def hash_blob(repo: Path, data: bytes) -> str:
    blob_file = repo / ".git" / "forge-blob"
    blob_file.write_bytes(data)
    try:
        return git(repo, "hash-object", "-w", str(blob_file)).strip()
    finally:
        blob_file.unlink()


def point(repo: Path, name: str, path: str, manifest: Digest, files: dict[str, bytes]) -> None:
    """Commit the pointer of dataset ``name`` at ``path`` naming ``manifest``."""
    text = codec.dump_bytes(
        {
            "schema": "gitml/pointer/1",
            "path": path,
            "manifest": str(manifest),
            "files": len(files),
            "bytes": sum(len(d) for d in files.values()),
        }
    )
    write(repo / ".gitml" / "data" / f"{name}.toml", text)
    git(repo, "add", "-f", f".gitml/data/{name}.toml")
    git(repo, "commit", "-q", "-m", f"dataset {name}")


def commit_symlink(repo: Path, link: str, target: str) -> None:
    """Replace ``link`` (a folder or file) by a symbolic link to ``target``, committed."""
    full = repo / link
    if full.is_dir() and not full.is_symlink():
        for base, dirs, names in os.walk(full, topdown=False):
            for n in names:
                Path(base, n).unlink()
            for d in dirs:
                Path(base, d).rmdir()
        full.rmdir()
    elif full.exists() or full.is_symlink():
        full.unlink()
    full.parent.mkdir(parents=True, exist_ok=True)
    full.symlink_to(target)
    git(repo, "add", "-f", link)
    git(repo, "commit", "-q", "-m", f"link {link}")


def publish(repo: Path) -> None:
    git(repo, "push", "-q", "-f", "origin", "HEAD:refs/heads/main", "+refs/gitml/*:refs/gitml/*")


def victim_clone(world: World, dest: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh clone with the records fetched by plain git (as a CI checkout does)."""
    git(dest.parent, "clone", "-q", str(world.origin), str(dest))
    git(dest, "fetch", "-q", "origin", "+refs/gitml/*:refs/gitml/*")
    monkeypatch.chdir(dest)
    return dest


def listing(root: Path) -> dict[str, tuple[int, str]]:
    """Every path below ``root`` (links not followed): mode and content (or link) digest."""
    found: dict[str, tuple[int, str]] = {}
    for base, dirs, names in os.walk(root):
        for name in [*dirs, *names]:
            full = Path(base, name)
            st = full.lstat()
            if stat.S_ISLNK(st.st_mode):
                content = os.readlink(full).encode()
            elif stat.S_ISREG(st.st_mode):
                content = full.read_bytes()
            else:
                content = b""
            digest = hashlib.sha256(content).hexdigest()
            found[full.relative_to(root).as_posix()] = (st.st_mode, digest)
    return found
