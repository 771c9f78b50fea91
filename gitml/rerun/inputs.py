"""Putting a run's input data back, byte for byte, in a rerun's worktree.

A run records each input by digest: a dataset as ``name -> manifest digest``, any other
path as ``path -> content digest`` (for a folder, the digest of its file listing). For a
rerun each one is put back in the worktree: a dataset's files at the path its pointer
(in the checkpoint) names, as that manifest lists them; a path at that path. A file the
checkpoint already holds with the right content is kept; anything else is copied from
the content cache (``.git/gitml/cache``), after pulling what the cache lacks from the
data remote in one batch. Every byte is verified on the way: a download is checked
before it enters the cache, and a copy out of the cache is hashed while it is written.
Inputs outside the repository cannot be put back; they must still hold what the run read.

The record and the checkpoint may come from anyone who can push, so every path passes the
data plane's path guard (``gitml.objects.pathguard``) before anything is read or fetched, and
files are written through folders opened without following links: a checkpoint that holds
a link where a folder should be stops the rerun instead of redirecting its writes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from gitml.config import load_settings
from gitml.data.pointers import load_pointers
from gitml.data.scan import expected
from gitml.data.store import VersionStore
from gitml.data.workspace import DataWorkspace
from gitml.errors import GitmlError
from gitml.objects import pathguard
from gitml.objects.blobs import read_listing_object
from gitml.objects.cache import LinkMode, open_cache
from gitml.objects.digest import hash_file, parse_digest, run_parallel
from gitml.objects.ingest import folder_digest
from gitml.objects.listing import decode
from gitml.objects.transfer import pull
from gitml.storage.repo import GitRepo

if TYPE_CHECKING:
    from gitml.data.pointers import Pointer
    from gitml.records.shapes import JsonObject, RunRecord


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
    files: int = 1

    def as_dict(self) -> JsonObject:
        return {
            "input": self.key,
            "digest": self.digest,
            "path": self.path,
            "source": self.source,
            "files": self.files,
            "bytes": self.nbytes,
        }


@dataclass
class _Input:
    """One input and the files it still needs (repository-relative path -> digest)."""

    key: str
    digest: str
    path: str
    what: str  # "dataset 'x' version d" or "input 'p' (d)", for messages
    files: dict[str, str] = field(default_factory=dict)
    count: int = 0
    nbytes: int = 0


def data_workspace(repo: GitRepo) -> DataWorkspace:
    """The user's data workspace: settings, cache and data remote."""

    ws = DataWorkspace.of_repo(repo)
    ws.link = LinkMode.REFLINK  # never hard links: the rerun's files stay independent
    return ws


def checkpoint_pointers(root: Path) -> dict[str, Pointer]:
    """The dataset pointers of the checkpoint checked out at ``root``."""

    return load_pointers(root, load_settings(root).pointer_dir.rstrip("/"))


def _content_digest(root: Path, rel: str) -> str | None:
    """The digest a run records for ``root/rel``: a file's content, a folder's listing."""

    path = root / rel
    try:
        if path.is_file():
            return str(hash_file(path))
        if not path.is_dir():
            return None

        return str(folder_digest(root, rel))
    except (GitmlError, OSError):
        return None


def _check(root: Path, rels: list[str], run_id: str) -> None:
    """Every path passes git's rules and has no link (or file) among the folders on the way."""

    pathguard.check_writes(root, rels, where=f"run {run_id}: input")


def _outside(key: str, digest: str, run_id: str) -> Restored:
    actual = _content_digest(Path(key).parent, Path(key).name)
    if actual != digest:
        state = "is missing" if actual is None else f"now holds {actual}"
        raise InputChanged(
            f"input '{key}' of run {run_id} lies outside the repository, so gitml cannot "
            f"restore it, and it {state}, not {digest}; put it back first"
        )
    path = Path(key)
    size = path.stat().st_size if path.is_file() else 0
    return Restored(key=key, digest=digest, path=key, source="outside", nbytes=size)


def _missing(item: _Input, rel: str, digest: str, run_id: str, remote: str | None) -> str:
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
    part = "" if rel == item.path and digest == item.digest else f": file '{rel}' ({digest})"
    return f"{item.what} of run {run_id}{part} is {where}; {fix}"


class _Restorer:
    """Resolves inputs to files, pulls what the cache lacks, and writes the files."""

    def __init__(self, repo: GitRepo, root: Path, run_id: str) -> None:
        self.root = root
        self.run_id = run_id
        self.ws = data_workspace(repo)
        self.cache = self.ws.cache
        self.store = VersionStore(self.ws)
        self.pulled: set[str] = set()

    def pull(self, digests: set[str], items: list[tuple[_Input, str, str]]) -> None:
        """Pull ``digests``; ``InputMissing`` naming the first of ``items`` still absent."""
        need = {d for d in digests if not self.cache.has(d)}
        if not need:
            return
        if not self.ws.has_remote():
            item, rel, digest = next(i for i in items if i[2] in need)
            raise InputMissing(_missing(item, rel, digest, self.run_id, None))

        config, remote = self.ws.open_remote()
        report = pull(self.cache, remote, need, jobs=self.ws.remote_jobs(config))
        if report.failed:
            raise InputMissing(next(iter(report.failed.values())))
        for item, rel, digest in items:
            if digest in report.missing:
                raise InputMissing(_missing(item, rel, digest, self.run_id, config.name))
        self.pulled |= {str(d) for d in report.transferred}

    def dataset(self, key: str, digest: str, pointer: Pointer) -> _Input:
        where = f"input '{key}' of run {self.run_id}"
        version = self.store.load(key, parse_digest(digest), where=where)
        item = _Input(
            key=key, digest=digest, path=pointer.path, what=f"dataset '{key}' version {digest}"
        )
        wanted = expected(pointer.path, version)
        item.files = {rel: str(state.digest) for rel, state in wanted.items()}
        item.count, item.nbytes = len(wanted), sum(s.size for s in wanted.values())
        return item

    def path(self, key: str, digest: str) -> _Input:
        item = _Input(key=key, digest=digest, path=key, what=f"input '{key}' ({digest})")
        self.pull({digest}, [(item, key, digest)])
        listing = read_listing_object(self.cache, parse_digest(digest))
        if listing is None:
            item.files = {key: digest}
            item.count, item.nbytes = 1, self.cache.size_of(digest)
            return item
        entries = decode(listing, where=f"listing {digest} of input '{key}'")
        item.files = {f"{key}/{e.path}": str(e.digest) for e in entries}
        item.count, item.nbytes = len(entries), sum(e.size for e in entries)
        return item


def restore_inputs(
    repo: GitRepo, root: Path, *, run_id: str, inputs: Mapping[str, str]
) -> list[Restored]:
    """Put ``inputs`` (of run ``run_id``) in place under ``root`` (a rerun's worktree).

    The cache and the data remote are ``repo``'s (the user's settings).
    """
    if not inputs:
        return []
    restored: list[Restored] = []
    items: list[_Input] = []
    restorer: _Restorer | None = None
    pointers = checkpoint_pointers(root)
    for key, digest in sorted(inputs.items()):
        if Path(key).is_absolute():
            restored.append(_outside(key, digest, run_id))
            continue
        pointer = pointers.get(key)
        if pointer is None:
            _check(root, [key], run_id)
        else:
            _check_dataset(root, pointer, run_id)
        if pointer is None and _content_digest(root, key) == digest:
            restored.append(
                Restored(
                    key=key, digest=digest, path=key, source="checkpoint", nbytes=_size(root / key)
                )
            )
            continue
        restorer = restorer or _Restorer(repo, root, run_id)
        items.append(
            restorer.dataset(key, digest, pointer) if pointer else restorer.path(key, digest)
        )
    if restorer is None:
        return restored
    _check(root, [rel for item in items for rel in item.files], run_id)
    for item in items:
        for rel in list(item.files):
            here = root / rel
            if here.is_file() and _content_digest(root, rel) == item.files[rel]:
                del item.files[rel]
    pairs = [(item, rel, d) for item in items for rel, d in item.files.items()]
    restorer.pull({d for _, _, d in pairs}, pairs)
    _write(repo, root, pairs)
    for item in items:
        digests = set(item.files.values())
        source = "remote" if digests & restorer.pulled else "cache" if digests else "checkpoint"
        restored.append(
            Restored(
                key=item.key,
                digest=item.digest,
                path=item.path,
                source=source,
                nbytes=item.nbytes,
                files=item.count,
            )
        )
    return sorted(restored, key=lambda r: r.key)


def _write(repo: GitRepo, root: Path, pairs: list[tuple[_Input, str, str]]) -> None:
    copier = open_cache(repo.state_dir, durable=False)  # a throwaway worktree needs no fsync
    with pathguard.TreeWriter(root, where="rerun: input") as writer:
        tasks = [partial(writer.materialize, copier, digest, rel) for _, rel, digest in pairs]
        run_parallel(tasks, None)


def _check_dataset(root: Path, pointer: Pointer, run_id: str) -> None:
    pathguard.check_root(root, pointer.path, where=f"run {run_id}: dataset '{pointer.name}'")


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    total = 0
    for base, _dirs, files in os.walk(path):
        total += sum((Path(base) / f).stat().st_size for f in files)
    return total


def request_inputs(root: Path, doc: RunRecord) -> tuple[str, ...]:
    """The ``-i`` values that make the rerun record its inputs under the same keys."""
    pointers = checkpoint_pointers(root)
    out = []
    for key in sorted(doc["inputs"]):
        if key in pointers or Path(key).is_absolute():
            out.append(key)
        else:
            out.append(str(root / key))
    return tuple(out)


def locate_inputs(repo: GitRepo, doc: RunRecord, inputs: Mapping[str, str]) -> dict[str, str]:
    """Where each input would come from, without changing anything (for ``--dry-run``).

    ``cache``, ``remote``, ``checkpoint`` (the checkpoint commit holds it), ``outside``
    or ``missing`` (a dataset whose version or files cannot be found anywhere).
    """
    ws = data_workspace(repo)
    checkpoint = doc["code"]["checkpoint"]
    places: dict[str, str] = {}
    for key, digest in sorted(inputs.items()):
        if Path(key).is_absolute():
            same = _content_digest(Path(key).parent, Path(key).name) == digest
            places[key] = "outside" if same else "missing"
            continue
        pointer_file = f"{ws.pointer_dir}/{key}.toml"
        is_dataset = _in_commit(repo, checkpoint, pointer_file)
        if not is_dataset and _in_commit(repo, checkpoint, key):
            places[key] = "checkpoint"
            continue
        places[key] = _availability(ws, key, digest, is_dataset)
    return places


def _in_commit(repo: GitRepo, commit: str, path: str) -> bool:
    return repo.git("cat-file", "-e", f"{commit}:{path}", check=False).returncode == 0


def _availability(ws: DataWorkspace, key: str, digest: str, is_dataset: bool) -> str:
    needed = {parse_digest(digest)}
    if is_dataset:
        version = VersionStore(ws, fetch=False).find(key, parse_digest(digest))
        if version is not None:
            needed = {e.digest for e in version.entries}
    absent = {d for d in needed if not ws.cache.has(d)}
    if not absent:
        return "cache"
    if not ws.has_remote():
        return "missing"
    try:
        _config, remote = ws.open_remote()
        found = remote.has_many(absent)
    except GitmlError:
        return "missing"
    return "remote" if found == absent else "missing"
