"""What the driver sends the nodes: checkpoints, and the data members read.

Datasets are not in checkpoints (git ignores them), so each member's inputs are put back
by content: the driver lists the files (repository-relative path -> content digest) that
its recorded inputs stand for, and sends the objects its cache holds, up to ``SHIP_LIMIT``
in all, through Ray's object store; nodes pull the rest from the data remote, whose URL the
driver resolves (a relative path in ``.gitml/config.toml`` means nothing on a node). Run
outputs go the other way (``gitml.cluster.worker``). Every object is verified by its
digest where it is stored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitml.config import load_settings
from gitml.data.revs import pointers_at
from gitml.data.scan import expected
from gitml.data.store import VersionStore
from gitml.data.workspace import DataWorkspace
from gitml.errors import GitmlError
from gitml.objects.blobs import read_listing_object
from gitml.objects.cache import open_cache
from gitml.objects.digest import parse_digest
from gitml.objects.listing import decode
from gitml.objects.remotes.config import connection
from gitml.storage.repo import GitRepo
from gitml.storage.ship import pack_commits
from gitml.storage.trees import commit_tree, tree_entry

SHIP_LIMIT = 256 * 2**20


@dataclass(frozen=True)
class RemoteSpec:
    """The data remote as nodes open it."""

    url: str
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Shipment:
    """Everything members of one sweep (or rerun) need that the nodes lack."""

    commits: tuple[str, ...]
    pack: bytes
    objects: Mapping[str, bytes] = field(default_factory=dict)
    remote: RemoteSpec | None = None


def remote_spec(repo: GitRepo) -> RemoteSpec | None:
    """The default data remote with its URL resolved here, or None without one."""

    ws = DataWorkspace.of_repo(repo)
    if not ws.has_remote():
        return None
    try:
        config = ws.remote_config()
    except GitmlError:
        return None
    return RemoteSpec(*connection(repo.workdir, config))


def _in_commit(repo: GitRepo, commit: str, path: str) -> bool:
    return tree_entry(repo.odb, commit_tree(repo.odb, commit), path) is not None


def input_files(
    repo: GitRepo, commit: str, inputs: Mapping[str, str]
) -> tuple[dict[str, str], list[str]]:
    """(files to put back: repository-relative path -> content digest, inputs outside the
    repository, which each node must hold itself) for a run's ``inputs`` at ``commit``."""
    if not inputs:
        return {}, []

    pointer_dir = load_settings(repo.workdir).pointer_dir.rstrip("/")
    pointers = pointers_at(repo.workdir, commit, pointer_dir)
    ws = DataWorkspace.of_repo(repo)
    store = VersionStore(ws)
    files: dict[str, str] = {}
    outside: list[str] = []
    for key, text in sorted(inputs.items()):
        digest = parse_digest(text)
        pointer = pointers.get(key)
        if Path(key).is_absolute():
            outside.append(key)
        elif pointer is not None:
            version = store.load(key, digest, where=f"input '{key}'")
            files.update({p: str(s.digest) for p, s in expected(pointer.path, version).items()})
        elif _in_commit(repo, commit, key):
            continue  # the checkpoint holds it
        else:
            listing = read_listing_object(ws.cache, digest)
            if listing is None:
                files[key] = str(digest)
            else:
                for entry in decode(listing, where=f"listing {digest} of input '{key}'"):
                    files[f"{key}/{entry.path}"] = str(entry.digest)
    return files, outside


def cached_objects(
    repo: GitRepo, digests: Sequence[str], *, limit: int = SHIP_LIMIT
) -> tuple[dict[str, bytes], set[str]]:
    """(objects read from this cache, up to ``limit`` bytes in all; those left out)."""

    cache = open_cache(repo.state_dir)
    objects: dict[str, bytes] = {}
    left: set[str] = set()
    total = 0
    for digest in sorted(set(digests)):
        if not cache.has(digest):
            left.add(digest)
            continue
        size = cache.size_of(digest)
        if total + size > limit:
            left.add(digest)
            continue
        objects[digest] = cache.path_of(digest).read_bytes()
        total += size
    return objects, left


def build_shipment(repo: GitRepo, commits: Sequence[str], files: Mapping[str, str]) -> Shipment:
    """The shipment for members at ``commits`` that need ``files``.

    Raises before anything runs when a file is neither sent nor on a data remote.
    """
    objects, left = cached_objects(repo, list(files.values()))
    remote = remote_spec(repo)
    if left and remote is None:
        path = next(p for p, d in sorted(files.items()) if d in left)
        raise GitmlError(
            f"input file '{path}' ({files[path]}) is not in this clone's cache and there is "
            "no data remote for the nodes to pull it from; `git ml data pull` it, or add a "
            "data remote the nodes can reach"
        )
    unique = tuple(dict.fromkeys(commits))
    return Shipment(commits=unique, pack=pack_commits(repo, unique), objects=objects, remote=remote)
