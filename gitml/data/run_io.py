"""What ``git ml run`` records about data: input versions and cached outputs.

Inputs: each dataset (``-i PATH`` naming a dataset's path or name, or by default every
dataset with a pointer) is recorded as ``name -> manifest digest`` of the bytes the run
actually sees. When the work tree matches the pointer that is the pointer's digest (one
``stat`` per file); when it does not, the current content is cached and recorded as a
new manifest on ``refs/gitml/data`` (the pointer is left alone), so a run never records
a version it did not use. Other ``-i`` paths are recorded as ``path -> content digest``.

Outputs (``-o PATH`` and ``log_artifact``): files are hashed and stored in the content
cache like data; a folder is recorded as the digest of its file listing, which is cached
too, so ``data push`` shares outputs and they can be restored byte for byte.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from gitml.data.checkout import checkout
from gitml.data.manifest import Manifest
from gitml.data.pointers import Pointer
from gitml.data.scan import dataset_root
from gitml.data.status import dataset_status
from gitml.data.store import VersionStore
from gitml.data.workspace import DataWorkspace, open_workspace
from gitml.errors import GitmlError
from gitml.objects.blobs import put_bytes
from gitml.objects.cache import LinkMode
from gitml.objects.digest import Digest, hash_file
from gitml.objects.errors import DataError
from gitml.objects.ingest import add_files, list_files
from gitml.objects.listing import Entry, encode, folder_entries
from gitml.objects.statcache import hash_with_cache


def _workspace(workdir: Path) -> DataWorkspace:
    ws = open_workspace(workdir)
    # Never hard links: a run's files must stay writable (the next run rewrites them).
    ws.link = LinkMode.REFLINK
    return ws


def _name(path: Path, workdir: Path) -> tuple[str, str | None]:
    """(record key, repository-relative path or None when outside the work tree)."""
    resolved = Path(os.path.normpath(path))
    try:
        rel = resolved.relative_to(workdir).as_posix()
    except ValueError:
        return resolved.as_posix(), None
    return rel, rel


def current_version(ws: DataWorkspace, store: VersionStore, pointer: Pointer) -> Digest:
    """The manifest digest of what is at ``pointer.path`` now (recorded if it is new)."""
    with ws.statcache() as statcache:
        st = dataset_status(ws, pointer, store, statcache)
        if st.changes.clean:
            return pointer.manifest
        if not st.current:
            raise DataError(
                f"dataset '{pointer.name}' is missing from '{pointer.path}'; restore it with "
                f"`git ml data checkout` before the run"
            )
        add_files(ws.workdir, sorted(st.current), ws.cache, statcache)
    where = f"{ws.pointer_dir}/{pointer.name}.toml"
    version = store.load(pointer.name, pointer.manifest, where=where)
    root = dataset_root(pointer.path, version.manifest.kind)
    cut = len(root) + 1 if root else 0
    entries = [Entry(p[cut:], s.digest, s.size) for p, s in sorted(st.current.items())]
    listing = encode(entries)
    manifest = Manifest(
        name=pointer.name,
        kind=version.manifest.kind,
        files=len(entries),
        nbytes=sum(e.size for e in entries),
        listing=put_bytes(ws.cache, listing),
    )
    message = f"data {pointer.name}: version used by a run (work tree differs from the pointer)"
    return store.save([(manifest, listing)], {}, message)[0]


def input_digests(workdir: Path, paths: Sequence[str], cwd: Path) -> dict[str, str]:
    """The ``inputs`` table of a run (see the module doc)."""
    folder = workdir / ".gitml"
    ws: DataWorkspace | None = None
    pointers: dict[str, Pointer] = {}
    if paths or folder.is_dir():
        ws = _workspace(workdir)
        pointers = ws.pointers()
    if not paths:
        if ws is None or not pointers:
            return {}
        store = VersionStore(ws, fetch=False)
        return {p.name: str(current_version(ws, store, p)) for p in pointers.values()}
    assert ws is not None
    store = VersionStore(ws, fetch=False)
    by_path = {p.path: p for p in pointers.values()}
    out: dict[str, str] = {}
    for text in paths:
        full = Path(text) if Path(text).is_absolute() else cwd / text
        key, rel = _name(full, workdir)
        pointer = by_path.get(rel or "") or (pointers.get(text) if not full.exists() else None)
        if pointer is not None:
            out[pointer.name] = str(current_version(ws, store, pointer))
        else:
            out[key] = str(_digest_only(ws, full, rel, text))
    return out


def _digest_only(ws: DataWorkspace, full: Path, rel: str | None, given: str) -> Digest:
    if not full.exists():
        raise GitmlError(f"{given}: does not exist; check the path given to -i")
    if full.is_file():
        return hash_file(full)
    root = ws.workdir if rel is not None else full.parent
    target = rel if rel is not None else full.name
    files = list_files(root, [target])

    with ws.statcache() as statcache:
        if rel is not None:
            digests = hash_with_cache(root, files, statcache).digests
        else:
            digests = {f: hash_file(root / f) for f in files}
    return put_bytes(ws.cache, encode(folder_entries(root, target, files, digests=digests)))


def output_digests(workdir: Path, paths: Sequence[str], cwd: Path) -> dict[str, str]:
    """The ``outputs`` table of a run: each path's content (or listing) digest, cached."""
    if not paths:
        return {}
    ws = _workspace(workdir)
    out: dict[str, str] = {}
    for text in paths:
        full = Path(text) if Path(text).is_absolute() else cwd / text
        key, rel = _name(full, workdir)
        if not full.exists():
            raise GitmlError(f"{text}: does not exist; check the path given to -o or log_artifact")
        out[key] = str(cache_output(ws, full, rel))
    return out


def cache_output(ws: DataWorkspace, full: Path, rel: str | None) -> Digest:
    """Store a file or folder in the cache; returns the file's or the listing's digest."""
    root = ws.workdir if rel is not None else full.parent
    target = rel if rel is not None else full.name
    files = list_files(root, [target])
    if rel is not None:
        with ws.statcache() as statcache:
            digests = add_files(root, files, ws.cache, statcache).digests
    else:  # outside the work tree: no stat cache (its keys are work-tree paths)
        digests = {f: hash_file(root / f) for f in files}
        ws.cache.store_many([(str(root / f), d) for f, d in digests.items()])
    if full.is_file():
        return digests[files[0]]
    return put_bytes(ws.cache, encode(folder_entries(root, target, files, digests=digests)))


def dataset_filter(workdir: Path) -> Callable[[str], bool] | None:
    """A predicate for paths inside datasets (left out of code checkpoints), or ``None``."""
    if not (workdir / ".gitml").is_dir():
        return None
    try:
        pointers = _workspace(workdir).pointers()
    except GitmlError:
        return None
    roots = tuple(p.path for p in pointers.values())
    if not roots:
        return None

    def inside(path: str) -> bool:
        return any(path == r or path.startswith(r + "/") for r in roots)

    return inside


def prepare_worktree(workdir: Path) -> int:
    """Restore the datasets of a fresh worktree (a parallel sweep member); returns files.

    Ignored data is not part of a commit, so a new worktree has the pointers but not the
    files. They are restored from the shared cache (pulled from the default data remote
    if missing) as independent copies, so members never share a file they could change.
    """
    if not (workdir / ".gitml").is_dir():
        return 0
    ws = open_workspace(workdir)
    if not ws.pointers():
        return 0

    return len(checkout(ws).restored)


def cache_outputs(
    workdir: Path, files: Mapping[str, Path]
) -> tuple[dict[str, str], dict[str, str]]:
    """``({name: digest}, {name: why not})``: files stored under names (not work-tree
    paths), each cached like an output; one that fails is reported, the rest kept."""
    stored: dict[str, str] = {}
    failed: dict[str, str] = {}
    if not files:
        return stored, failed
    ws = _workspace(workdir)
    for name, full in files.items():
        try:
            if not full.exists():
                raise GitmlError(f"{full}: the staged copy is missing")
            stored[name] = str(cache_output(ws, full, None))
        except (GitmlError, OSError) as exc:
            failed[name] = str(exc)
    return stored, failed
