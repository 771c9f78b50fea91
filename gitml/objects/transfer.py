"""``push`` and ``pull``: move cache objects to and from a data remote, in parallel.

Objects already at the destination are skipped (one batched existence check); with
``verify``, a push first re-hashes what the remote holds for them and uploads again any
that no longer match (``TransferReport.repaired``). A corrupt object is reported in
``TransferReport.failed`` and the others still move; any other error (remote
unreachable, disk full) stops the transfer and is raised.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING

from gitml.objects.cache import Cache
from gitml.objects.digest import Digest, parse_digest, run_parallel
from gitml.objects.errors import IntegrityError
from gitml.objects.progress import one_file

if TYPE_CHECKING:
    from gitml.objects.progress import Progress
    from gitml.objects.remotes.base import Remote

DEFAULT_JOBS = 8

_Outcome = tuple[Digest, int, str | None]


@dataclass(frozen=True, slots=True)
class TransferReport:
    """The outcome of a ``push`` or ``pull``."""

    transferred: frozenset[Digest] = frozenset()
    skipped: frozenset[Digest] = frozenset()  # already at the destination
    missing: frozenset[Digest] = frozenset()  # not at the source either
    failed: Mapping[Digest, str] = field(default_factory=dict)  # corrupt: digest -> message
    nbytes: int = 0  # bytes moved
    repaired: frozenset[Digest] = frozenset()  # corrupt at the destination, sent again

    @property
    def ok(self) -> bool:
        """Every requested object is now at the destination."""
        return not self.missing and not self.failed


def _report(outcomes: list[_Outcome], skipped: set[Digest], missing: set[Digest]) -> TransferReport:
    return TransferReport(
        transferred=frozenset(d for d, _, err in outcomes if err is None),
        skipped=frozenset(skipped),
        missing=frozenset(missing),
        failed={d: err for d, _, err in outcomes if err is not None},
        nbytes=sum(n for _, n, err in outcomes if err is None),
    )


def push(
    cache: Cache,
    remote: Remote,
    digests: Iterable[str],
    *,
    jobs: int | None = None,
    progress: Progress | None = None,
    verify: bool = False,
) -> TransferReport:
    """Upload those of ``digests`` the remote lacks (or, with ``verify``, holds corrupt);
    digests not in the cache are ``missing``."""
    wanted = {parse_digest(d) for d in digests}
    missing = {d for d in wanted if not cache.has(d)}
    candidates = wanted - missing
    present = remote.has_many(candidates) if candidates else set()
    corrupt: set[Digest] = set()
    if verify and present:
        checks = [partial(remote.content_digest, d) for d in sorted(present)]
        actual = run_parallel(checks, jobs or DEFAULT_JOBS)
        corrupt = {d for d, a in zip(sorted(present), actual, strict=True) if a != d}
    todo = sorted((candidates - present) | corrupt)
    sizes = {d: cache.size_of(d) for d in todo}
    if progress is not None:
        progress.phase("uploading", files=len(todo), nbytes=sum(sizes.values()))
    tasks = [partial(_upload, cache, remote, d, sizes[d], progress) for d in todo]
    report = _report(run_parallel(tasks, jobs or DEFAULT_JOBS), present - corrupt, missing)
    return replace(report, repaired=frozenset(corrupt & report.transferred))


def _upload(
    cache: Cache, remote: Remote, digest: Digest, size: int, progress: Progress | None
) -> _Outcome:
    share = one_file(progress, size)
    try:
        nbytes = remote.upload(digest, cache.path_of(digest), progress=share)
    except IntegrityError as exc:
        return digest, 0, str(exc)
    finally:
        if share is not None:
            share.done()
    return digest, nbytes, None


def pull(
    cache: Cache,
    remote: Remote,
    digests: Iterable[str],
    *,
    jobs: int | None = None,
    progress: Progress | None = None,
    sizes: Mapping[Digest, int] | None = None,
    max_bytes: int | None = None,
) -> TransferReport:
    """Download those of ``digests`` the cache lacks; digests not on the remote are ``missing``.

    ``sizes`` (the objects' sizes, when the caller's file lists give them) makes the
    progress count bytes against a total. With ``max_bytes`` (objects read whole: a
    manifest, a file list) a larger object raises ``TooLarge`` and is not kept.
    """
    wanted = {parse_digest(d) for d in digests}
    present = {d for d in wanted if cache.has(d)}
    candidates = wanted - present
    available = remote.has_many(candidates) if candidates else set()
    todo = sorted(available)
    known = {d: sizes[d] for d in todo if d in sizes} if sizes is not None else {}
    if progress is not None:
        total = sum(known.values()) if len(known) == len(todo) else 0
        progress.phase("downloading", files=len(todo), nbytes=total)
    tasks = [partial(_download, cache, remote, d, known.get(d), progress, max_bytes) for d in todo]
    return _report(run_parallel(tasks, jobs or DEFAULT_JOBS), present, candidates - available)


def _download(
    cache: Cache,
    remote: Remote,
    digest: Digest,
    size: int | None,
    progress: Progress | None,
    max_bytes: int | None,
) -> _Outcome:
    tmp = cache.temp_path(digest)
    # Without a known size the bytes are counted as they come (there is no total to keep).
    share = one_file(progress, size) if size is not None else None
    try:
        nbytes = remote.download(digest, tmp, progress=share or progress, max_bytes=max_bytes)
    except IntegrityError as exc:
        return digest, 0, str(exc)
    cache.adopt(tmp, digest)
    if share is not None:
        share.done()
    elif progress is not None:
        progress.update(files=1)
    return digest, nbytes, None
