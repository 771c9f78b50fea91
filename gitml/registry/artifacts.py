"""Model artifacts as data: hashed, kept in the content-addressed cache, pushed and pulled.

The registry keeps artifacts in the object store (``gitml.objects``), as datasets are
kept: ``xxh3-128:<32 hex>`` digests, objects in ``.git/gitml/cache/<2>/<30>``, transfers to
and from the configured data remote. Artifacts enter the cache by reflink or copy, never by
hard link, so a training script can keep overwriting its model file in place.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from gitml.errors import GitmlError
from gitml.objects import pathguard
from gitml.objects.cache import open_cache
from gitml.objects.digest import hash_file as data_hash
from gitml.objects.pathguard import UnsafePath, check_file_name

if TYPE_CHECKING:
    from gitml.config import Settings
    from gitml.objects.remotes.base import Remote
    from gitml.objects.transfer import TransferReport
    from gitml.records.shapes import ArtifactTable
    from gitml.storage.repo import GitRepo


class ArtifactError(GitmlError):
    """An artifact that cannot be read, stored, found or verified."""


class Artifact(NamedTuple):
    path: str
    digest: str
    size: int

    def as_dict(self) -> ArtifactTable:
        return {"path": self.path, "digest": self.digest, "size": self.size}


def hash_file(path: Path) -> tuple[str, int]:
    """(digest, size) of a file's content."""
    return str(data_hash(path)), path.stat().st_size


def store(state_dir: Path, source: Path, rel: str) -> Artifact:
    """Hash ``source`` and put it into the cache; returns what the record keeps."""
    if not source.is_file():
        kind = "a folder" if source.is_dir() else "missing"
        raise ArtifactError(
            f"artifact {rel}: is {kind}; register one file (pack a folder into an archive first)"
        )
    digest, size = hash_file(source)
    open_cache(state_dir).store(source, digest)
    return Artifact(rel, digest, size)


def _remote(repo: GitRepo, settings: Settings, name: str | None) -> Remote:
    from gitml.objects.remotes.config import open_configured

    return open_configured(repo.workdir_or_gitdir, settings.remote(name))


def fetch(
    repo: GitRepo, artifact: Artifact, *, where: str, settings: Settings | None = None
) -> Path:
    """The verified cache object of ``artifact``, pulled from the data remote if needed."""
    cache = open_cache(repo.state_dir)
    if not cache.has(artifact.digest) and settings is not None and settings.data_remotes:
        report = pull(repo, settings, [artifact.digest])
        for problem in report.failed.values():  # on the remote, but corrupt there
            raise ArtifactError(f"{where}: artifact {artifact.path}: {problem}")
    if not cache.has(artifact.digest):
        hint = (
            "no data remote is configured (`[data.remotes]` in .gitml/config.toml)"
            if settings is None or not settings.data_remotes
            else "the data remote does not have it either"
        )
        raise ArtifactError(
            f"{where}: artifact {artifact.digest} ({artifact.path}) is not in the local cache "
            f"{cache.root} and {hint}; push it from the clone that registered it "
            "(`git ml model push`)"
        )
    path = cache.path_of(artifact.digest)
    if not cache.verify(artifact.digest) or path.stat().st_size != artifact.size:
        raise ArtifactError(
            f"{where}: the cached artifact {path} is damaged (it no longer hashes to "
            f"{artifact.digest}); delete it and fetch it again"
        )
    return path


def file_name(artifact: Artifact, *, where: str, reserved: Iterable[str] = ()) -> str:
    """The name ``model get --to`` writes the artifact under: the last part of its path.

    The record may come from anyone who can push, so the name must pass the data plane's
    path guard (no ``.git`` in any case or alias, no ``..``) and not be one of ``reserved``.
    """
    name = artifact.path.replace("\\", "/").rpartition("/")[2]
    check_file_name(name, where=f"{where}: artifact {artifact.path!r}")
    if name in reserved:
        raise UnsafePath(
            f"{where}: artifact {artifact.path!r} would overwrite the package's own '{name}'"
        )
    return name


def materialize(
    repo: GitRepo,
    artifact: Artifact,
    target_dir: Path,
    *,
    where: str,
    settings: Settings | None = None,
    reserved: Iterable[str] = (),
) -> Path:
    """Copy the verified artifact to ``target_dir/<file name>`` (atomically) and return it.

    The file is written by the path guard's ``TreeWriter``: a link at that name is
    replaced, never followed; ``target_dir`` may not lead into the git directory.
    """
    name = file_name(artifact, where=where, reserved=reserved)
    pathguard.check_target(target_dir, git_dir=repo.state_dir.parent, where=where)
    fetch(repo, artifact, where=where, settings=settings)
    target_dir.mkdir(parents=True, exist_ok=True)
    with pathguard.TreeWriter(target_dir, where=where) as writer:
        writer.materialize(open_cache(repo.state_dir), artifact.digest, name)
    return target_dir / name


def write_files(target_dir: Path, files: Mapping[str, bytes], *, where: str) -> None:
    """Write small package files into ``target_dir`` (atomically, never through a link)."""
    with pathguard.TreeWriter(target_dir, where=where) as writer:
        for name, data in files.items():
            writer.write_bytes(name, data)


def push(
    repo: GitRepo,
    settings: Settings,
    digests: Iterable[str],
    remote: str | None = None,
    *,
    verify: bool = False,
) -> TransferReport:
    from gitml.objects.transfer import push as data_push

    return data_push(
        open_cache(repo.state_dir), _remote(repo, settings, remote), digests, verify=verify
    )


def pull(
    repo: GitRepo, settings: Settings, digests: Iterable[str], remote: str | None = None
) -> TransferReport:
    from gitml.objects.transfer import pull as data_pull

    return data_pull(open_cache(repo.state_dir), _remote(repo, settings, remote), digests)
