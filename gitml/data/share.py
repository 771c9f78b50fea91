"""``git ml data push/pull``: move the objects that commits and records need.

Push sends every object the data of the current commit needs (the work tree's pointers
and HEAD's), and every object that records reference and this cache holds: each manifest
on ``refs/gitml/data`` with its listing and files, and run outputs. Pull fetches what the
current pointers need (``all_records`` adds everything recorded), then restores files
that are missing from the work tree without touching changed ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gitml.data.checkout import check_datasets, checkout
from gitml.data.pointers import Pointer
from gitml.data.revs import head_commit, pointers_at
from gitml.data.status import select
from gitml.data.store import VersionStore, iter_recorded
from gitml.data.workspace import DataWorkspace
from gitml.errors import GitmlError
from gitml.objects.blobs import output_objects
from gitml.objects.digest import Digest
from gitml.objects.errors import DataError, TooLarge
from gitml.objects.transfer import TransferReport, pull, push
from gitml.storage import RUNS_REF
from gitml.storage.refs import read_ref

if TYPE_CHECKING:
    from gitml.objects.progress import Progress
    from gitml.records.shapes import JsonObject
    from gitml.storage.repo import GitRepo


@dataclass
class ShareReport:
    remote: str
    url: str
    transferred: int = 0
    skipped: int = 0
    nbytes: int = 0
    missing: list[str] = field(default_factory=list)  # objects of the current data not here
    failed: dict[str, str] = field(default_factory=dict)
    restored: int = 0
    repaired: list[str] = field(default_factory=list)  # corrupt on the remote, sent again

    @property
    def ok(self) -> bool:
        return not self.failed and not self.missing

    def as_dict(self) -> JsonObject:
        return {
            "remote": self.remote,
            "url": self.url,
            "transferred": self.transferred,
            "skipped": self.skipped,
            "bytes": self.nbytes,
            "missing": self.missing,
            "failed": self.failed,
            "restored": self.restored,
            "repaired": self.repaired,
        }


def current_pointers(ws: DataWorkspace) -> list[Pointer]:
    """The work tree's pointers and HEAD's (they differ after an uncommitted add)."""
    found = list(ws.pointers().values())
    head = head_commit(ws.workdir)
    if head is not None:
        found.extend(p for p in pointers_at(ws.workdir, head, ws.pointer_dir).values())
    return list(dict.fromkeys(found))


def _version_objects(
    store: VersionStore, pointers: Sequence[Pointer], *, where: str
) -> dict[Digest, str]:
    """Objects the pointers' versions need, with a path for messages."""
    need: dict[Digest, str] = {}
    for pointer in pointers:
        version = store.load(pointer.name, pointer.manifest, where=where)
        need.setdefault(version.digest, f"{pointer.name} manifest")
        need.setdefault(version.manifest.listing, f"{pointer.name} file list")
        root = pointer.path + "/" if version.manifest.kind == "directory" else ""
        for entry in version.entries:
            need.setdefault(entry.digest, root + entry.path if root else pointer.path)
    return need


def recorded_objects(ws: DataWorkspace, store: VersionStore) -> set[Digest]:
    """Objects that records reference and this clone can name (listings known locally).

    A recorded version whose file list is over the limit counts as its manifest alone:
    anyone with push access can record one naming a big cached object as its file list,
    and that must not stop every push.
    """
    found: set[Digest] = set()
    for name, digest, _ in iter_recorded(ws):
        try:
            version = store.find(name, digest)
        except TooLarge:
            version = None
        if version is not None:
            found |= version.object_digests()
        else:
            found.add(digest)
    found |= run_output_objects(ws)
    return found


def run_output_objects(ws: DataWorkspace) -> set[Digest]:
    """Digests of run outputs (a folder output adds its listing's files, when cached).

    An output whose cached object begins like a file list but does not read as one (or is
    over ``data.max_listing_mb``) counts as itself alone, as a version does in ``recorded_objects``:
    anyone with push access can record a run naming such an object (a data file of a
    dataset others pulled), and that must not stop every push.
    """
    from gitml.runs.store import open_index

    if read_ref(ws.repo, RUNS_REF) is None:
        return set()
    collection, index = open_index(ws.repo)
    try:
        rows = index.rows(collection, "json_extract(doc, '$.outputs') != '{}'")
    finally:
        index.close()
    found: set[Digest] = set()
    limit = ws.settings.max_listing_bytes
    for row in rows:
        for value in (row.doc.get("outputs") or {}).values():
            try:
                digest = Digest(value)
            except DataError:
                continue
            try:
                found |= output_objects(ws.cache, digest, max_bytes=limit)
            except DataError:
                found.add(digest)
    return found


def push_data(
    ws: DataWorkspace,
    *,
    remote: str | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
    verify: bool = False,
) -> ShareReport:
    """Upload what the current data and the records need and the remote lacks.

    With ``verify`` the remote's copies of those objects are re-hashed first, and corrupt
    ones are replaced from this cache.
    """
    store = VersionStore(ws, fetch=False)
    current = _version_objects(store, current_pointers(ws), where="push")
    wanted = set(current) | recorded_objects(ws, store)
    config, data_remote = ws.open_remote(remote)
    result = push(
        ws.cache,
        data_remote,
        wanted,
        jobs=jobs or ws.remote_jobs(config),
        progress=progress,
        verify=verify,
    )
    report = _report(config.name, data_remote.url, result)
    report.missing = sorted(current[d] for d in result.missing if d in current)
    report.repaired = sorted(str(d) for d in result.repaired)
    return report


def pull_data(
    ws: DataWorkspace,
    targets: Sequence[str] = (),
    *,
    remote: str | None = None,
    all_records: bool = False,
    jobs: int | None = None,
    progress: Progress | None = None,
) -> ShareReport:
    """Download what the current pointers (or all records) need, then restore missing files."""
    store = VersionStore(ws, remote=remote)
    pointers = select(ws.pointers(), targets)
    check_datasets(ws, store, pointers)
    need = _version_objects(store, pointers, where="pull")
    wanted = set(need)
    if all_records:
        wanted |= recorded_objects(ws, store)
    config, data_remote = ws.open_remote(remote)
    result = pull(
        ws.cache, data_remote, wanted, jobs=jobs or ws.remote_jobs(config), progress=progress
    )
    report = _report(config.name, data_remote.url, result)
    report.missing = sorted(need[d] for d in result.missing if d in need)
    if not report.failed and not report.missing:
        restored = checkout(
            ws, targets, remote=remote, jobs=jobs, missing_only=True, progress=progress
        )
        report.restored = len(restored.restored)
    return report


def unshared_data(ws: DataWorkspace) -> JsonObject | None:
    """Without a data remote: how much data the records reference, which others who pull
    them cannot fetch (None when they reference none)."""
    wanted = recorded_objects(ws, VersionStore(ws, fetch=False))
    if not wanted:
        return None
    cached = [d for d in wanted if ws.cache.has(d)]
    size = sum(ws.cache.size_of(d) for d in cached)
    unknown = len(wanted) - len(cached)
    extra = f", {unknown} of them not in this clone's cache either" if unknown else ""
    return {
        "not_pushed": (
            f"no data remote is configured, so the {len(wanted)} data object(s) the records "
            f"reference ({size / 2**20:.1f} MiB here{extra}) stay in this clone; others who "
            "pull the records cannot fetch them: add one with `git ml data remote add NAME "
            "URL --default`, then `git ml data push`"
        ),
        "objects": len(wanted),
        "bytes": size,
    }


def _report(name: str, url: str, result: TransferReport) -> ShareReport:
    return ShareReport(
        remote=name,
        url=url,
        transferred=len(result.transferred),
        skipped=len(result.skipped),
        nbytes=result.nbytes,
        failed={str(d): msg for d, msg in result.failed.items()},
    )


def push_for_records(repo: GitRepo) -> JsonObject | None:
    """The data half of ``git ml push``: push data first when a data remote is configured.

    Returns what was pushed (``ShareReport.as_dict``), ``{"not_pushed": reason}`` when data
    cannot be pushed without a choice from the user or without a data remote while the
    records reference data (``unshared_data``), or ``None`` when there is nothing to say. Raises (so no record is pushed) if the data push fails: records
    are never published before the data they name.
    """
    if repo.is_bare:
        return None
    ws = DataWorkspace.of_repo(repo)
    if not ws.has_remote():
        return unshared_data(ws)
    if ws.settings.default_remote is None and len(ws.settings.data_remotes) > 1:
        return {
            "not_pushed": "several data remotes and no default; set one with `git ml data remote "
            "add NAME URL --default` or push with `git ml data push --remote NAME`"
        }
    try:
        report = push_data(ws)
    except GitmlError as exc:
        raise type(exc)(
            f"{exc} (no records were pushed; fix that, or push records alone "
            f"with `git ml push --no-data`)"
        ) from None
    if report.failed:
        raise DataError(
            f"pushing data to data remote '{report.remote}' failed, so no records were pushed: "
            f"{next(iter(report.failed.values()))}"
        )
    return report.as_dict()
