"""Putting a run's input data back, byte for byte, in a rerun's worktree.

A run records each input as ``path -> content digest``. For a rerun each one is put at its
path in the worktree: a file the checkpoint already holds with that content is kept;
anything else is copied from the content cache (``.git/gitml/cache``), after pulling the
objects the cache lacks from the data remote in one batch. Every byte is verified on the
way: a download is checked before it enters the cache, and a copy out of the cache is
hashed while it is written. Inputs outside the repository cannot be put back; they must
still hold the content the run read.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitml.config import Settings
from gitml.errors import GitmlError
from gitml.storage.repo import GitRepo

if TYPE_CHECKING:
    from gitml.data.cache import Cache
    from gitml.data.remotes import Remote

CACHE_DIR = "cache"


class InputMissing(GitmlError):
    """An input's content is neither in the cache nor on the data remote."""


class InputChanged(GitmlError):
    """An input outside the repository no longer holds what the run read."""


@dataclass(frozen=True)
class Restored:
    """One input as the rerun got it (``source``: checkpoint, cache, remote or outside)."""

    key: str
    digest: str
    path: str
    source: str
    nbytes: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "input": self.key,
            "digest": self.digest,
            "path": self.path,
            "source": self.source,
            "bytes": self.nbytes,
        }


@dataclass(frozen=True)
class _Want:
    key: str
    digest: str
    target: Path


def open_cache(repo: GitRepo, *, durable: bool = True) -> Cache:
    """The repository's content cache; never hard links, so copies stay independent."""
    from gitml.data.cache import Cache, LinkMode

    return Cache(repo.state_dir / CACHE_DIR, link=LinkMode.REFLINK, durable=durable)


def open_data_remote(repo: GitRepo, settings: Settings) -> tuple[str, Remote] | None:
    """``(name, remote)`` of the default data remote, or None when none is configured."""
    if not settings.data_remotes:
        return None
    from gitml.data.remotes import open_remote

    config = settings.remote(None)
    url = config.url
    if "://" not in url and not Path(url).is_absolute():
        url = os.path.normpath(repo.workdir / url)
    options = {k: v for k, v in config.options.items() if k != "jobs"}
    return config.name, open_remote(url, **options)


def _digest_of(path: Path) -> str | None:
    from gitml.runs.digests import path_digest

    try:
        return path_digest(path)
    except GitmlError:
        return None


def _target(root: Path, key: str, run_id: str) -> Path:
    target = Path(os.path.normpath(root / key))
    if target != root and root not in target.parents:
        raise GitmlError(
            f"run {run_id}: input path {key!r} leaves the repository; the record is damaged"
        )
    return target


def _missing_message(want: _Want, run_id: str, remote: str | None) -> str:
    where = (
        f"neither in the local cache nor on data remote '{remote}'"
        if remote is not None
        else "not in the local cache, and no data remote is configured"
    )
    fix = (
        "push it there from the clone that recorded the run (`git ml data push`)"
        if remote is not None
        else "add the remote that holds it (`git ml data remote add NAME URL --default`)"
    )
    return f"input '{want.key}' ({want.digest}) of run {run_id} is {where}; {fix}"


def restore_inputs(
    repo: GitRepo, settings: Settings, root: Path, doc: Mapping[str, Any]
) -> list[Restored]:
    """Put every input of run ``doc`` in place under ``root`` (a rerun's worktree)."""
    run_id = str(doc["id"])
    restored: list[Restored] = []
    wants: list[_Want] = []
    for key, digest in sorted((doc.get("inputs") or {}).items()):
        if Path(key).is_absolute():
            actual = _digest_of(Path(key))
            if actual != digest:
                state = "is missing" if actual is None else f"now holds {actual}"
                raise InputChanged(
                    f"input '{key}' of run {run_id} lies outside the repository, so gitml "
                    f"cannot restore it, and it {state}, not {digest}; put it back first"
                )
            restored.append(Restored(key, digest, key, "outside", _size(Path(key))))
            continue
        target = _target(root, key, run_id)
        if target.exists() and _digest_of(target) == digest:
            restored.append(Restored(key, digest, key, "checkpoint", _size(target)))
            continue
        wants.append(_Want(key, digest, target))
    if not wants:
        return restored
    cache = open_cache(repo)
    pulled = _pull_missing(repo, settings, cache, wants, run_id)
    copier = open_cache(repo, durable=False)
    for want in wants:
        want.target.parent.mkdir(parents=True, exist_ok=True)
        copier.materialize(want.digest, want.target)
        source = "remote" if want.digest in pulled else "cache"
        restored.append(Restored(want.key, want.digest, want.key, source, _size(want.target)))
    return sorted(restored, key=lambda r: r.key)


def _pull_missing(
    repo: GitRepo, settings: Settings, cache: Cache, wants: list[_Want], run_id: str
) -> set[str]:
    """Pull the objects the cache lacks; returns their digests."""
    need = [w for w in wants if not cache.has(w.digest)]
    if not need:
        return set()
    found = open_data_remote(repo, settings)
    if found is None:
        raise InputMissing(_missing_message(need[0], run_id, None))
    name, remote = found
    from gitml.data.transfer import pull

    report = pull(cache, remote, {w.digest for w in need})
    if report.failed:
        raise InputMissing(next(iter(report.failed.values())))
    for want in need:
        if want.digest in report.missing:
            raise InputMissing(_missing_message(want, run_id, name))
    return {w.digest for w in need}


def _size(path: Path) -> int:
    total = 0
    if path.is_file():
        return path.stat().st_size
    for base, _dirs, files in os.walk(path):
        total += sum((Path(base) / f).stat().st_size for f in files)
    return total


def locate_inputs(repo: GitRepo, settings: Settings, doc: Mapping[str, Any]) -> dict[str, str]:
    """Where each input would come from, without changing anything (for ``--dry-run``).

    ``cache``, ``remote``, ``checkpoint`` (the checkpoint commit holds a file there),
    ``outside`` or ``missing``.
    """
    cache = open_cache(repo)
    inputs: Mapping[str, str] = doc.get("inputs") or {}
    places: dict[str, str] = {}
    unknown: list[str] = []
    for key, digest in sorted(inputs.items()):
        if Path(key).is_absolute():
            places[key] = "outside" if _digest_of(Path(key)) == digest else "missing"
        elif cache.has(digest):
            places[key] = "cache"
        else:
            unknown.append(key)
    if not unknown:
        return places
    remote = None
    try:
        found = open_data_remote(repo, settings)
    except GitmlError:
        found = None
    if found is not None:
        remote = found[1].has_many({inputs[k] for k in unknown})
    checkpoint = str((doc.get("code") or {}).get("checkpoint", ""))
    for key in unknown:
        if remote is not None and inputs[key] in remote:
            places[key] = "remote"
        elif repo.git("cat-file", "-e", f"{checkpoint}:{key}", check=False).returncode == 0:
            places[key] = "checkpoint"
        else:
            places[key] = "missing"
    return places
