"""``git ml data add``: version files and folders as datasets.

Order of work, chosen so a failure or a kill at any point loses nothing: check every
path -> hash (stat cache) -> profile new tables (a bad table stops here, before anything
is written) -> store content in the cache (atomic objects) -> record manifests and
listings on ``refs/gitml/data`` (one CAS commit) -> write pointer files (atomic) ->
extend ``.gitignore``. Running ``add`` again after an interruption completes it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from gitml.data import snapshot
from gitml.data.gitignore import ensure_ignored
from gitml.data.manifest import DatasetKind, Manifest, check_dataset_name
from gitml.data.pointers import Pointer, check_data_path, pointer_file, write_pointer
from gitml.data.profiles import ProfileRun, profile_files
from gitml.data.store import VersionStore
from gitml.data.workspace import DataWorkspace
from gitml.errors import InvalidRecord, UsageError
from gitml.objects.digest import Digest
from gitml.objects.errors import DataError
from gitml.objects.ingest import AddResult, list_files, store_hashed
from gitml.objects.leftovers import sweep_state
from gitml.objects.listing import Entry, digest_of, encode
from gitml.objects.pathguard import check_root
from gitml.objects.progress import format_bytes
from gitml.objects.statcache import HashResult, hash_with_cache
from gitml.storage.git import lines_z, run_git
from gitml.storage.repo import STATE_DIR

if TYPE_CHECKING:
    from gitml.objects.progress import Progress


@dataclass(frozen=True, slots=True)
class Target:
    """A path to add, checked, with the dataset name it will have."""

    name: str
    path: str
    kind: DatasetKind


@dataclass(frozen=True, slots=True)
class AddedDataset:
    """One dataset after ``add``."""

    name: str
    path: str
    pointer: str  # the pointer file, relative to the repository root
    digest: Digest
    files: int
    nbytes: int
    changed: bool  # the pointer now names a different version than before
    stored: int  # files whose content entered the cache now
    rehashed: int  # files read this time (the rest were known to the stat cache)


@dataclass(frozen=True, slots=True)
class AddReport:
    datasets: tuple[AddedDataset, ...]
    ignored: tuple[str, ...]  # lines added to .gitignore
    profiled: tuple[str, ...]  # tabular files profiled now
    notes: tuple[str, ...]  # things left out, e.g. profiles without pyarrow


def repo_relative(ws: DataWorkspace, given: str, cwd: Path) -> str:
    """``given`` (relative to ``cwd``) as a checked path relative to the repository root."""
    raw = Path(given)
    full = Path(os.path.normpath(raw if raw.is_absolute() else cwd / raw))
    try:
        rel = full.relative_to(ws.workdir).as_posix()
    except ValueError:
        raise DataError(
            f"'{given}' is outside the repository '{ws.workdir}'; data must live in the work tree"
        ) from None
    if rel == ".":
        raise DataError(f"'{given}' is the whole repository; add a data file or folder inside it")
    if not os.path.lexists(full):
        raise DataError(f"'{given}' does not exist")
    try:
        check_data_path(rel, where=f"'{given}'")
    except InvalidRecord as exc:
        raise DataError(str(exc).replace(": path:", "")) from None
    check_root(ws.workdir, rel, where=f"'{given}'")  # what checkout will refuse, refused now
    return rel


def _inside(child: str, parent: str) -> bool:
    return child == parent or child.startswith(parent + "/")


def _check_listing_size(ws: DataWorkspace, path: str, listing: bytes, files: int) -> None:
    """Refuse a version whose file list every clone would refuse to read (over
    ``data.max_listing_mb``), before anything is recorded."""
    limit = ws.settings.max_listing_bytes
    if len(listing) > limit:
        raise DataError(
            f"'{path}': its file list ({files} files) is {format_bytes(len(listing))}, over "
            f"the {format_bytes(limit)} limit every clone reads file lists under "
            f"(data.max_listing_mb in .gitml/config.toml); raise it there and commit it, or "
            f"add the dataset as several smaller ones"
        )


def plan(
    ws: DataWorkspace, paths: Sequence[str], name: str | None, cwd: Path
) -> tuple[list[Target], dict[str, Pointer]]:
    """The datasets ``add`` will write, after checking names, overlaps and git tracking."""
    if not paths:
        raise UsageError("nothing to add; name a data file or folder, e.g. git ml data add data/")
    if name is not None and len(paths) != 1:
        raise UsageError("--name names one dataset; give a single PATH with it")
    pointers = ws.pointers()
    by_path = {p.path: p for p in pointers.values()}
    targets: list[Target] = []
    for given in paths:
        rel = repo_relative(ws, given, cwd)
        chosen = name or (by_path[rel].name if rel in by_path else rel.rpartition("/")[2])
        try:
            check_dataset_name(chosen)
        except DataError as exc:
            raise DataError(f"'{given}': {exc}") from None
        kind = DatasetKind.DIRECTORY if (ws.workdir / rel).is_dir() else DatasetKind.FILE
        targets.append(Target(chosen, rel, kind))
    seen: dict[str, str] = {}
    for target in targets:
        if target.name in seen and seen[target.name] != target.path:
            raise DataError(
                f"'{seen[target.name]}' and '{target.path}' would both be dataset "
                f"'{target.name}'; add them one at a time with --name"
            )
        seen[target.name] = target.path
        owner = pointers.get(target.name)
        if owner is not None and owner.path != target.path:
            raise DataError(
                f"dataset '{target.name}' already tracks '{owner.path}'; choose another name "
                f"for '{target.path}' with --name"
            )
        others: list[Pointer | Target] = [*pointers.values(), *targets]
        for other in others:
            if other.name == target.name or other.path == target.path:
                continue
            if _inside(target.path, other.path) or _inside(other.path, target.path):
                raise DataError(
                    f"'{target.path}' overlaps dataset '{other.name}' ('{other.path}'); "
                    f"datasets may not contain each other, add '{other.path}' instead"
                )
    _refuse_git_tracked(ws.workdir, [t.path for t in targets])
    return targets, pointers


def _refuse_git_tracked(workdir: Path, paths: Sequence[str]) -> None:
    proc = run_git(workdir, "--literal-pathspecs", "ls-files", "-z", "--", *paths)
    tracked = lines_z(proc.stdout)
    if tracked:
        first = tracked[0]
        owner = next((p for p in paths if _inside(first, p)), first)
        raise DataError(
            f"'{first}' is tracked by git; untrack it first with "
            f"`git rm -r --cached {owner}` (the files stay), then add again"
        )


def add_datasets(
    ws: DataWorkspace,
    paths: Sequence[str],
    *,
    name: str | None = None,
    cwd: Path | None = None,
    profile: bool = True,
    jobs: int | None = None,
    progress: Progress | None = None,
) -> AddReport:
    """Version each of ``paths`` (files or folders) as a dataset; see the module doc."""
    targets, pointers = plan(ws, paths, name, cwd or Path.cwd())
    sweep_state(ws.commondir / STATE_DIR)  # temporary files and spools of killed gitml processes
    store = VersionStore(ws, fetch=False)
    files: dict[str, list[str]] = {}
    dirs: dict[str, list[str]] = {}
    with ws.statcache() as statcache:
        walk_stamp = statcache.stamp()  # before the walk: see gitml.data.snapshot
        for target in targets:
            dirs[target.name] = []
            found = list_files(ws.workdir, [target.path], dirs=dirs[target.name])
            if not found:
                raise DataError(f"'{target.path}' holds no files; nothing to add")
            files[target.name] = found
        everything = [rel for found in files.values() for rel in found]
        hashed = hash_with_cache(
            ws.workdir, everything, statcache, jobs=jobs, progress=progress, record=False
        )
        if hashed.missing:
            raise DataError(f"'{min(hashed.missing)}' disappeared while being added; add again")
        profiles = ProfileRun()
        if profile:
            candidates = [(rel, hashed.digests[rel]) for rel in everything]
            profiles = profile_files(ws.workdir, candidates, known=store.has_profile)
        stored = store_hashed(ws.workdir, hashed, ws.cache, statcache, jobs=jobs, progress=progress)
    versions: list[tuple[Manifest, bytes]] = []
    for target in targets:
        root = (
            target.path if target.kind is DatasetKind.DIRECTORY else target.path.rpartition("/")[0]
        )
        cut = len(root) + 1 if root else 0
        entries = [
            Entry(rel[cut:], hashed.digests[rel], hashed.stats[rel].size)
            for rel in files[target.name]
        ]
        listing = encode(entries, where=f"'{target.path}'")
        _check_listing_size(ws, target.path, listing, len(entries))
        manifest = Manifest(
            name=target.name,
            kind=target.kind,
            files=len(entries),
            nbytes=sum(e.size for e in entries),
            listing=digest_of(listing),
        )
        versions.append((manifest, listing))
    summary = ", ".join(
        f"{m.name} ({m.files} file{'' if m.files == 1 else 's'}, {format_bytes(m.nbytes)})"
        for m, _ in versions
    )
    digests = store.save(versions, profiles.made, f"data add {summary}")
    results: list[AddedDataset] = []
    for target, (manifest, _), digest in zip(targets, versions, digests, strict=True):
        old = pointers.get(target.name)
        pointer = Pointer(
            name=target.name,
            path=target.path,
            manifest=digest,
            files=manifest.files,
            nbytes=manifest.nbytes,
        )
        rel_pointer = pointer_file(ws.pointer_dir, target.name)
        if old != pointer:
            write_pointer(ws.workdir, ws.pointer_dir, pointer)
        _snapshot(ws, pointer, files[target.name], dirs[target.name], walk_stamp, hashed, stored)
        found = files[target.name]
        results.append(
            AddedDataset(
                name=target.name,
                path=target.path,
                pointer=rel_pointer,
                digest=digest,
                files=manifest.files,
                nbytes=manifest.nbytes,
                changed=old is None or old.manifest != digest,
                stored=sum(1 for rel in found if rel in stored.stored),
                rehashed=sum(1 for rel in found if rel in hashed.rehashed),
            )
        )
    lines = ensure_ignored(ws.workdir, [t.path for t in targets])
    return AddReport(
        datasets=tuple(results),
        ignored=tuple(lines),
        profiled=tuple(profiles.paths),
        notes=tuple(profiles.notes),
    )


def _snapshot(
    ws: DataWorkspace,
    pointer: Pointer,
    files: Sequence[str],
    dirs: Sequence[str],
    stamp: int | None,
    hashed: HashResult,
    stored: AddResult,
) -> None:
    """Leave the status snapshot of the dataset just added (the next status is fast)."""
    keys = snapshot.dir_keys(ws.workdir, dirs, stamp) if pointer.path not in files else {}
    if keys is None:
        return
    limit = stamp if stamp is not None else -1  # see snapshot.trusted, inlined: 1 call/file
    trusted: dict[str, snapshot.StatKey] = {
        rel: cast("snapshot.StatKey", tuple(fs))  # a plain tuple: marshal takes no subclasses
        for rel, fs, _ in stored.recorded
        if fs.mtime_ns < limit
    }
    digests, stats = hashed.digests, hashed.stats
    entries: dict[str, tuple[snapshot.StatKey | None, str, int]] = {
        rel: (trusted.get(rel), str(digests[rel]), stats[rel].size) for rel in files
    }
    state = ws.gitdir / "gitml"
    snapshot.save(
        state,
        pointer.name,
        snapshot.StatSnapshot(
            manifest=str(pointer.manifest), path=pointer.path, dirs=keys, files=entries
        ),
    )
