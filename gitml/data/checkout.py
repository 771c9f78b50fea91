"""``git ml data checkout``: make the work tree hold the data its pointers name.

Everything that can fail is settled before the first file changes: every dataset passes
the path guard (``gitml.objects.pathguard``: a safe location with no link on the way, a file
list git itself would accept, no link among the folders to be written), then the
versions are compared with the work tree, uncommitted data changes are found (a file
whose content is not in the cache was never added, so overwriting it would lose it), and
missing objects are pulled from the data remote. Only then are files removed and written,
each one atomically from a verified cache object, through folders opened without
following links. With ``force``, changed content is first kept in the cache, so even a
forced checkout loses nothing that ``data gc`` has not collected; it removes only regular
files (or links) found inside the dataset's own folder, never a folder or a link's target.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from gitml.data.pointers import Pointer
from gitml.data.scan import FileState, expected
from gitml.data.status import dataset_status, select
from gitml.data.store import VersionStore
from gitml.data.workspace import DataWorkspace
from gitml.objects import pathguard
from gitml.objects.cache import Cache
from gitml.objects.digest import Digest, run_parallel
from gitml.objects.errors import DataError
from gitml.objects.progress import one_file
from gitml.objects.statcache import FileStat, StatCache
from gitml.objects.transfer import pull

if TYPE_CHECKING:
    from gitml.objects.progress import Progress


@dataclass
class CheckoutReport:
    datasets: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # changed files saved in the cache (--force)
    pulled: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "datasets": self.datasets,
            "restored": self.restored,
            "removed": self.removed,
            "kept_in_cache": self.kept,
            "pulled": self.pulled,
            "unchanged": self.unchanged,
        }


@dataclass
class _Plan:
    pointer: Pointer
    write: dict[str, FileState]
    remove: dict[str, FileState]
    unsafe: dict[str, Digest]  # changed files whose content is not in the cache


def _under(path: str, prefixes: Sequence[str]) -> bool:
    return not prefixes or any(path == p or path.startswith(p + "/") for p in prefixes)


def _subpaths(pointers: dict[str, Pointer], targets: Sequence[str]) -> tuple[list[str], list[str]]:
    """Targets that are dataset names/paths, and paths inside a dataset (restore only those)."""
    whole: list[str] = []
    inner: list[str] = []
    for target in targets:
        clean = target.rstrip("/")
        owner = next((p for p in pointers.values() if clean.startswith(p.path + "/")), None)
        (inner if owner is not None else whole).append(clean)
    return whole, inner


def checkout(
    ws: DataWorkspace,
    targets: Sequence[str] = (),
    *,
    force: bool = False,
    remote: str | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
    missing_only: bool = False,
) -> CheckoutReport:
    """Restore the data of the current pointers (all, or those ``targets`` select).

    ``missing_only`` restores absent files and leaves changed ones alone (``data pull``).
    """
    pointers = ws.pointers()
    whole, inner = _subpaths(pointers, targets)
    owners = [p.name for p in pointers.values() for t in inner if t.startswith(p.path + "/")]
    chosen = select(pointers, [*whole, *owners]) if targets else list(pointers.values())
    store = VersionStore(ws, remote=remote)
    check_datasets(ws, store, chosen)
    cache = ws.cache
    report = CheckoutReport()
    plans: list[_Plan] = []
    with ws.statcache() as statcache:
        for pointer in chosen:
            where = f"{ws.pointer_dir}/{pointer.name}.toml"
            st = dataset_status(ws, pointer, store, statcache, jobs=jobs, where=where)
            limit = [t for t in inner if t.startswith(pointer.path + "/")]
            wanted = {p: s for p, s in st.wanted.items() if _under(p, limit)}
            current = {p: s for p, s in st.current.items() if _under(p, limit)}
            write = {p: s for p, s in wanted.items() if current.get(p) != s}
            remove = {} if missing_only else {p: s for p, s in current.items() if p not in wanted}
            if missing_only:
                write = {p: s for p, s in write.items() if p not in current}
            changed = [p for p in write if p in current] + list(remove)
            unsafe = {
                p: current[p].digest for p in sorted(changed) if not cache.has(current[p].digest)
            }
            report.unchanged += len(wanted) - len(write)
            report.datasets.append(pointer.name)
            plans.append(_Plan(pointer=pointer, write=write, remove=remove, unsafe=unsafe))
        unsafe_all = sorted(p for plan in plans for p in plan.unsafe)
        if unsafe_all and not force:
            names = ", ".join(sorted({plan.pointer.name for plan in plans if plan.unsafe}))
            raise DataError(
                f"{len(unsafe_all)} file(s) in dataset(s) {names} have changes that were never "
                f"added (first: '{unsafe_all[0]}'); keep them with `git ml data add`, or "
                f"discard them with --force (their content is then kept in the cache)"
            )
        if unsafe_all:
            cache.store_many(
                [(str(ws.workdir / p), d) for plan in plans for p, d in plan.unsafe.items()]
            )
            report.kept = unsafe_all
        report.pulled = _fetch_missing(ws, plans, remote, jobs, progress)
        with pathguard.TreeWriter(ws.workdir, where="data checkout") as writer:
            for plan in plans:
                _apply(ws, writer, plan, statcache, jobs, progress, report)
    return report


def check_datasets(ws: DataWorkspace, store: VersionStore, pointers: Sequence[Pointer]) -> None:
    """Refuse, before anything is fetched or written, what the path guard would stop later.

    Each dataset's location (a safe name, no link on the way), its version's file list
    (git's path rules, checked when it is read) and the folders its files go to.
    """
    with store.deferred():
        for pointer in pointers:
            where = f"{ws.pointer_dir}/{pointer.name}.toml"
            pathguard.check_root(ws.workdir, pointer.path, where=where)
            version = store.load(pointer.name, pointer.manifest, where=where)
            pathguard.check_places(ws.workdir, expected(pointer.path, version), where=where)


def _fetch_missing(
    ws: DataWorkspace,
    plans: list[_Plan],
    remote: str | None,
    jobs: int | None,
    progress: Progress | None,
) -> int:
    cache = ws.cache
    need: dict[Digest, str] = {}
    sizes: dict[Digest, int] = {}
    for plan in plans:
        for path, state in plan.write.items():
            if state.digest not in need and not cache.has(state.digest):
                need[state.digest] = path
                sizes[state.digest] = state.size
    if not need:
        return 0
    first = next(iter(need.values()))
    if not ws.has_remote():
        raise DataError(
            f"{len(need)} object(s) are not in the cache (first: '{first}') and no data remote "
            f"is configured; add one with `git ml data remote add NAME URL --default`"
        )

    config, data_remote = ws.open_remote(remote)
    jobs = jobs or ws.remote_jobs(config)
    result = pull(cache, data_remote, need, jobs=jobs, progress=progress, sizes=sizes)
    if result.failed:
        raise DataError(next(iter(result.failed.values())))
    if result.missing:
        path = next(need[d] for d in need if d in result.missing)
        raise DataError(
            f"{len(result.missing)} object(s) are in neither the cache nor data remote "
            f"'{config.name}' (first: '{path}'); push them from a clone that has them"
        )
    return len(result.transferred)


def _apply(
    ws: DataWorkspace,
    writer: pathguard.TreeWriter,
    plan: _Plan,
    statcache: StatCache,
    jobs: int | None,
    progress: Progress | None,
    report: CheckoutReport,
) -> None:
    workdir = ws.workdir
    for path in sorted(plan.remove, reverse=True):
        writer.remove(path)
        report.removed.append(path)
    writer.prune({p.rpartition("/")[0] for p in plan.remove}, inside=plan.pointer.path)
    cache = ws.cache
    items = sorted(plan.write.items())
    if progress is not None:
        progress.phase("restoring", files=len(items), nbytes=sum(s.size for _, s in items))
    tasks = [partial(_restore, writer, cache, path, state, progress) for path, state in items]
    run_parallel(tasks, jobs)
    report.restored.extend(path for path, _ in items)
    stamp = statcache.stamp()
    entries = []
    for path, state in items:
        with contextlib.suppress(OSError):
            entries.append((path, FileStat.of((workdir / path).stat()), state.digest))
    statcache.record(entries, stamp)


def _restore(
    writer: pathguard.TreeWriter,
    cache: Cache,
    path: str,
    state: FileState,
    progress: Progress | None,
) -> None:
    share = one_file(progress, state.size)
    writer.materialize(cache, state.digest, path, progress=share)
    if share is not None:
        share.done()
