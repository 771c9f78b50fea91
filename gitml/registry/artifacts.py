"""Model artifacts in the content-addressed cache ``.git/gitml/cache/<2 hex>/<30 hex>``.

A small adapter with the data layer's conventions (``xxh3-128:<32 hex>`` digests, the same
cache layout, objects written through a temporary file and an atomic rename, read-only),
so that it can delegate to ``gitml.data`` (store, materialize, push to a data remote)
without changing a record.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from gitml.errors import GitmlError

ALGORITHM = "xxh3-128"
CHUNK = 1 << 20


class ArtifactError(GitmlError):
    """An artifact that cannot be read, stored, found or verified."""


@dataclass(frozen=True)
class Artifact:
    path: str
    digest: str
    size: int

    def as_dict(self) -> dict[str, object]:
        return {"path": self.path, "digest": self.digest, "size": self.size}


def cache_root(state_dir: Path) -> Path:
    return state_dir / "cache"


def object_path(state_dir: Path, digest: str) -> Path:
    algorithm, _, hexdigest = digest.partition(":")
    if algorithm != ALGORITHM or len(hexdigest) != 32:
        raise ArtifactError(
            f"unsupported artifact digest {digest!r} (expected {ALGORITHM}:<32 hex>)"
        )
    return cache_root(state_dir) / hexdigest[:2] / hexdigest[2:]


def hash_file(path: Path) -> tuple[str, int]:
    """(digest, size) of a file's content."""
    import xxhash

    hasher = xxhash.xxh3_128()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            hasher.update(chunk)
            size += len(chunk)
    return f"{ALGORITHM}:{hasher.hexdigest()}", size


def store(state_dir: Path, source: Path, rel: str) -> Artifact:
    """Hash ``source`` while copying it into the cache; returns what the record keeps."""
    import xxhash

    if not source.is_file():
        kind = "a folder" if source.is_dir() else "missing"
        raise ArtifactError(
            f"artifact {rel}: is {kind}; register one file (pack a folder into an archive first)"
        )
    root = cache_root(state_dir)
    tmp_dir = root / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    hasher = xxhash.xxh3_128()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix="artifact-")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            while chunk := src.read(CHUNK):
                hasher.update(chunk)
                out.write(chunk)
                size += len(chunk)
        digest = f"{ALGORITHM}:{hasher.hexdigest()}"
        target = object_path(state_dir, digest)
        if target.is_file():
            tmp.unlink()
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp.chmod(0o444)
            tmp.replace(target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ArtifactError(f"artifact {rel}: cannot copy into the cache: {exc.strerror}") from None
    return Artifact(rel, digest, size)


def fetch(state_dir: Path, artifact: Artifact, *, where: str) -> Path:
    """The verified cache object of ``artifact``; ArtifactError when missing or damaged."""
    path = object_path(state_dir, artifact.digest)
    if not path.is_file():
        raise ArtifactError(
            f"{where}: artifact {artifact.digest} ({artifact.path}) is not in the local cache "
            f"{cache_root(state_dir)}; register it in this clone or fetch it from the data remote "
            "(`git ml data pull`)"
        )
    digest, size = hash_file(path)
    if digest != artifact.digest or size != artifact.size:
        raise ArtifactError(
            f"{where}: the cached artifact {path} is damaged (content hashes to {digest}, "
            f"{size} bytes; the record says {artifact.digest}, {artifact.size} bytes); "
            "delete it and fetch it again"
        )
    return path


def materialize(state_dir: Path, artifact: Artifact, target_dir: Path, *, where: str) -> Path:
    """Copy the verified artifact to ``target_dir/<file name>`` (atomically) and return it."""
    source = fetch(state_dir, artifact, where=where)
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / Path(artifact.path).name
    fd, tmp_name = tempfile.mkstemp(dir=target_dir, prefix=".gitml-get-")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        shutil.copyfile(source, tmp)
        tmp.chmod(0o644)
        tmp.replace(target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ArtifactError(f"{target}: cannot write the artifact: {exc.strerror}") from None
    digest, size = hash_file(target)
    if digest != artifact.digest or size != artifact.size:
        raise ArtifactError(f"{target}: the copy does not match {artifact.digest}; try again")
    return target
