"""``git ml data gc``: remove cache objects that nothing recent refers to.

Kept: the data of every worktree's pointers, of the tips of branches, tags and
remote-tracking branches, of every commit on them from the last ``keep_days`` days (all
commits with ``keep_days=None``), of every dataset version recorded on
``refs/gitml/data`` in that window, and the inputs and outputs of every recorded run (an input that is not a dataset
version, such as an earlier run's output, is kept like an output).
If a version that must be kept cannot be read here, gc stops: it would not know which
files that version needs.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from gitml.data.pointers import SUFFIX, Pointer, load_pointers, parse_pointer
from gitml.data.revs import pointer_blobs, pointer_history, read_blobs, ref_tips
from gitml.data.store import MANIFEST_SUFFIX, PREFIX, VersionStore
from gitml.data.workspace import DataWorkspace
from gitml.errors import InvalidRecord
from gitml.objects.blobs import output_objects
from gitml.objects.digest import Digest
from gitml.objects.errors import DataError, TooLarge
from gitml.storage import DATA_REF, RUNS_REF
from gitml.storage.git import lines_z, run_git
from gitml.storage.refs import read_ref

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject

DEFAULT_KEEP_DAYS = 30.0


@dataclass(frozen=True)
class GcReport:
    kept: int
    removable: int
    nbytes: int
    removed: bool
    temp_removed: int

    def as_dict(self) -> JsonObject:
        return {
            "kept": self.kept,
            "removable": self.removable,
            "bytes": self.nbytes,
            "removed": self.removed,
            "temp_removed": self.temp_removed,
        }


def _worktrees(workdir: Path) -> list[Path]:
    proc = run_git(workdir, "worktree", "list", "--porcelain", "-z")
    found = [
        Path(os.fsdecode(item[9:]))
        for item in proc.stdout.split(b"\0")
        if item.startswith(b"worktree ")
    ]
    return found or [workdir]


def _recent_manifests(ws: DataWorkspace, keep_days: float | None) -> set[tuple[str, Digest]]:
    """``(name, digest)`` of versions recorded on ``refs/gitml/data`` in the window."""
    args = ["log", "--format=", "--name-only", "-z", "--no-renames", DATA_REF, "--"]
    if keep_days is not None:
        args.insert(1, f"--since={int(keep_days * 86400)}.seconds.ago")
    found: set[tuple[str, Digest]] = set()
    for line in lines_z(run_git(ws.workdir, *args).stdout):
        parts = line.split("/")
        if len(parts) == 4 and parts[0] == PREFIX and parts[3].endswith(MANIFEST_SUFFIX):
            try:
                found.add((parts[1], Digest.from_hex(parts[3][: -len(MANIFEST_SUFFIX)])))
            except DataError:
                continue
    return found


def _pointers(ws: DataWorkspace, keep_days: float | None) -> list[Pointer]:
    pointers: list[Pointer] = []
    for tree in _worktrees(ws.workdir):
        if tree.is_dir():
            pointers.extend(load_pointers(tree, ws.pointer_dir).values())
    tips = ref_tips(ws.workdir)
    blobs: set[tuple[str, str]] = set()
    for tip in tips:
        blobs.update(pointer_blobs(ws.workdir, tip, ws.pointer_dir).items())
    if tips and (keep_days is None or keep_days > 0):
        blobs |= pointer_history(ws.workdir, ws.pointer_dir, since_days=keep_days, refs=tips)
    data = read_blobs(ws.workdir, (oid for _, oid in blobs))
    for filename, oid in sorted(blobs):
        if oid not in data:
            continue
        name = filename[: -len(SUFFIX)]
        try:
            pointers.append(parse_pointer(data[oid], name=name, where=f"{filename} ({oid})"))
        except InvalidRecord:
            continue  # a broken pointer in history names no data that could be checked out
    return pointers


def _run_references(ws: DataWorkspace) -> tuple[set[tuple[str, Digest]], set[Digest]]:
    """(input versions as (name, digest), output digests) of every recorded run."""
    from gitml.runs.store import open_index

    if read_ref(ws.repo, RUNS_REF) is None:
        return set(), set()
    collection, index = open_index(ws.repo)
    try:
        rows = index.rows(collection)
    finally:
        index.close()
    inputs: set[tuple[str, Digest]] = set()
    outputs: set[Digest] = set()
    for row in rows:
        for key, value in (row.doc.get("inputs") or {}).items():
            try:
                inputs.add((key, Digest(value)))
            except DataError:
                continue
        for value in (row.doc.get("outputs") or {}).values():
            try:
                outputs.add(Digest(value))
            except DataError:
                continue
    return inputs, outputs


def keep_set(ws: DataWorkspace, keep_days: float | None = DEFAULT_KEEP_DAYS) -> set[Digest]:
    """Every cache object gc must keep (see the module doc)."""
    store = VersionStore(ws, fetch=False)
    keep: set[Digest] = set()
    required: set[tuple[str, Digest]] = {(p.name, p.manifest) for p in _pointers(ws, keep_days)}
    if keep_days is None or keep_days > 0:
        required |= _recent_manifests(ws, keep_days)
    run_inputs, outputs = _run_references(ws)
    for name, digest in sorted(required):
        version = store.find(name, digest)
        if version is None:
            raise DataError(
                f"gc stopped: dataset version {digest} is in use but its manifest is not "
                f"here, so its files are unknown; fetch records with `git ml pull` first"
            )
        keep |= version.object_digests()
    for name, digest in run_inputs:
        version = store.find(name, digest)
        keep |= version.object_digests() if version is not None else _output_objects(ws, digest)
    for digest in outputs:
        keep |= _output_objects(ws, digest)
    return keep


def _output_objects(ws: DataWorkspace, digest: Digest) -> set[Digest]:
    """``output_objects`` of a recorded output. A cached object that begins like a file
    list but does not read as one names no files, so it is kept alone: anyone with push
    access can record a run naming one, which must not keep gc from running. One over
    ``data.max_listing_mb`` (``TooLarge``) still stops gc, which would otherwise drop the
    files it lists."""
    try:
        return output_objects(ws.cache, digest, max_bytes=ws.settings.max_listing_bytes)
    except TooLarge as exc:
        raise TooLarge(
            f"gc stopped: the file list of run output {digest}: {exc} (data.max_listing_mb "
            f"in .gitml/config.toml), so gc cannot tell which files it keeps; raise the limit",
            size=exc.size,
            limit=exc.limit,
        ) from None
    except DataError:
        return {digest}


def collect(
    ws: DataWorkspace, *, keep_days: float | None = DEFAULT_KEEP_DAYS, remove: bool = False
) -> GcReport:
    """Find (and with ``remove``, delete) unreferenced cache objects."""
    keep = keep_set(ws, keep_days)
    cache = ws.cache
    doomed = [d for d in cache.iter_digests() if d not in keep]
    nbytes = sum(_size(cache.path_of(d)) for d in doomed)
    temp = 0
    if remove:
        for digest in doomed:
            cache.remove(digest)
        temp = cache.clean_temp()
    kept = sum(1 for _ in _present(cache.iter_digests(), keep))
    return GcReport(
        kept=kept, removable=len(doomed), nbytes=nbytes, removed=remove, temp_removed=temp
    )


def _present(digests: Iterable[Digest], keep: set[Digest]) -> Iterable[Digest]:
    return (d for d in digests if d in keep)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
