"""The path guard's rules applied to records: what ``git ml check`` and ``validate`` report.

A file list that names ``.git``, or a pointer whose dataset lies at or below a link, is
refused by ``data pull``, ``data checkout`` and reruns when they meet it; these checks
report the same problems earlier, on the commit or the record that carries them, so a
pull request or a push that brings one fails its checks.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from gitml.data.revs import read_blobs
from gitml.data.store import VersionStore, record_paths
from gitml.data.workspace import open_workspace
from gitml.errors import GitmlError
from gitml.objects import pathguard
from gitml.objects.digest import Digest
from gitml.objects.errors import DataError
from gitml.objects.listing import decode
from gitml.records import codec
from gitml.records.limits import MAX_LISTING_BYTES, read_problem
from gitml.storage import DATA_REF
from gitml.storage.blobs import blob_sizes

if TYPE_CHECKING:
    from gitml.storage.repo import GitRepo

_LINK_MODE = "120000"


def listing_problem(data: bytes, *, where: str) -> str | None:
    """Why a file list blob is unusable (git's path rules, format), or None."""
    try:
        decode(data, where=where)
    except DataError as exc:
        return str(exc)
    return None


def link_problems(repo: GitRepo, rev: str | None, path: str, *, where: str) -> list[str]:
    """Links at, on the way to, or inside dataset ``path`` in commit ``rev`` (None: the index)."""
    parts = path.split("/")
    prefixes = ["/".join(parts[:i]) for i in range(1, len(parts))]
    if rev is None:
        out = repo.git("ls-files", "-s", "-z", "--", path, *prefixes, check=False).stdout
    else:
        out = repo.git("ls-tree", "-r", "-z", rev, "--", path, *prefixes, check=False).stdout
    problems = []
    for entry in out.split("\0"):
        meta, _, name = entry.partition("\t")
        inside = name.startswith(path + "/")
        if meta.split(" ")[0] != _LINK_MODE or not (inside or name == path or name in prefixes):
            continue
        where_link = "holds" if inside else "goes through"
        problems.append(
            f"{where}: dataset path '{path}' {where_link} '{name}', which this commit makes "
            f"a symbolic link; gitml refuses to write data through links (`git rm {name}`)"
        )
    return problems


def _overlaps(changed: str, path: str) -> bool:
    return changed == path or changed.startswith(path + "/") or path.startswith(changed + "/")


def _pointers(repo: GitRepo, rev: str | None, pointer_dir: str) -> Iterator[tuple[str, str, str]]:
    """``(pointer file, dataset path, manifest)`` of the readable pointers in ``rev`` (None:
    the index); broken ones are the schema check's to report."""
    folder = pointer_dir.rstrip("/") + "/"
    if rev is None:
        out = repo.git("ls-files", "-s", "-z", "--", folder, check=False).stdout
        entries = [(e.split("\t", 1)[1], e.split()[1]) for e in out.split("\0") if "\t" in e]
    else:
        out = repo.git("ls-tree", "-z", rev, "--", folder, check=False).stdout
        entries = [(e.split("\t", 1)[1], e.split()[2]) for e in out.split("\0") if "\t" in e]
    entries = [(rel, sha) for rel, sha in entries if rel.endswith(".toml")]
    blobs = read_blobs(repo.workdir_or_gitdir, [sha for _, sha in entries])
    for rel, sha in entries:
        try:
            doc = codec.loads(blobs[sha], where=rel)
        except (GitmlError, KeyError):
            continue
        if isinstance(doc.get("path"), str) and isinstance(doc.get("manifest"), str):
            yield rel, doc["path"], doc["manifest"]


def check_data_plane(
    repo: GitRepo,
    rev: str | None,
    pointer_dir: str,
    changed: Sequence[str],
    *,
    max_listing: int = MAX_LISTING_BYTES,
) -> list[tuple[str, str]]:
    """``(pointer file, problem)`` for the datasets a change touches, in commit ``rev``.

    A dataset is touched when its pointer changed (then its file list on
    ``refs/gitml/data`` is checked too, unread when its object header says it is over
    ``max_listing``) or a changed path lies at, on the way to, or inside its location
    (then links there are reported).
    """
    changed_set = set(changed)
    found: list[tuple[str, str]] = []
    for rel, path, manifest in _pointers(repo, rev, pointer_dir):
        if rel in changed_set or any(_overlaps(c, path) for c in changed):
            found += [(rel, p) for p in link_problems(repo, rev, path, where=rel)]
        if rel not in changed_set:
            continue
        name = rel.rpartition("/")[2].removesuffix(".toml")
        try:
            spec = f"{DATA_REF}:{record_paths(name, Digest(manifest))[1]}"
        except DataError:
            continue
        size = blob_sizes(repo, [spec])[0]
        problem = None if size is None else read_problem(spec, size, max_listing=max_listing)
        if problem is not None:
            found.append((rel, f"{rel}: {spec} {problem}"))
            continue
        listing = read_blobs(repo.workdir_or_gitdir, [spec]).get(spec)
        problem = None if listing is None else listing_problem(listing, where=f"{rel}: {manifest}")
        found += [(rel, problem)] if problem else []
    return found


def worktree_problems(workdir: Path, rel: str, name: str, path: str, manifest: str) -> list[str]:
    """For ``git ml validate``: the dataset's place in the work tree, and its file list if
    this clone has it (nothing is fetched)."""
    problems = []
    try:
        pathguard.check_root(workdir, path, where=rel)
    except pathguard.UnsafePath as exc:
        problems.append(str(exc))
    try:
        VersionStore(open_workspace(workdir), fetch=False).load(name, Digest(manifest), where=rel)
    except pathguard.UnsafePath as exc:
        problems.append(str(exc))
    except GitmlError:
        pass  # not in this clone: `git ml check` and `data pull` judge it where it is
    return problems
