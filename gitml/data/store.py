"""Dataset versions on ``refs/gitml/data`` and in the content cache.

Every manifest and listing is kept in two places: as records on ``refs/gitml/data``
(shared with ``git ml push/pull``, readable with ``git show``) and as objects in the
content cache (shared with ``git ml data push/pull``, readable without the git library).
A version is looked up in the cache first, then on the ref, then on the default data
remote; whatever is found is checked against its digest and kept in the cache. A pointer
or manifest may name any object, so neither is fetched or read past its size limit: a
manifest's is ``records.limits.MAX_MANIFEST_BYTES``, a file list's ``data.max_listing_mb``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from gitml.data.manifest import Manifest, parse
from gitml.data.workspace import DataWorkspace
from gitml.errors import GitmlError, InvalidRecord
from gitml.objects.blobs import put_bytes, read_object
from gitml.objects.digest import Digest, hash_bytes
from gitml.objects.errors import DataError, RemoteError, TooLarge, too_large
from gitml.objects.listing import Entry, decode
from gitml.objects.transfer import pull
from gitml.records.limits import MAX_MANIFEST_BYTES, MAX_RECORD_BYTES
from gitml.storage import DATA_REF
from gitml.storage.collection import DECLARED, Snapshot, open_collection, wide_shard_of

PREFIX = DECLARED[DATA_REF].prefix
PROFILES = "profiles"
MANIFEST_SUFFIX = ".toml"
LISTING_SUFFIX = ".listing"


@dataclass(frozen=True, slots=True)
class DatasetVersion:
    """A resolved dataset version: its manifest, the manifest's digest and the files."""

    digest: Digest
    manifest: Manifest
    entries: tuple[Entry, ...]

    def object_digests(self) -> set[Digest]:
        """Every cache object this version needs: files, listing and manifest."""
        return {e.digest for e in self.entries} | {self.manifest.listing, self.digest}


def record_paths(name: str, digest: Digest) -> tuple[str, str]:
    """``(manifest, listing)`` paths of a version on ``refs/gitml/data``."""
    base = f"{PREFIX}/{name}/{wide_shard_of(digest.hex)}/{digest.hex}"
    return base + MANIFEST_SUFFIX, base + LISTING_SUFFIX


def profile_path(file_digest: Digest) -> str:
    """Where the profile of a tabular file with this content lives on ``refs/gitml/data``."""
    return f"{PROFILES}/{wide_shard_of(file_digest.hex)}/{file_digest.hex}.toml"


class VersionStore:
    """Reads and writes dataset versions for one workspace."""

    def __init__(self, ws: DataWorkspace, *, remote: str | None = None, fetch: bool = True) -> None:
        self.ws = ws
        self.remote_name = remote
        self.fetch = fetch  # may a missing version be downloaded from the data remote?
        self._versions: dict[Digest, DatasetVersion] = {}
        self._snap: Snapshot | None = None
        self._pending: list[bytes] | None = None

    # -- reading -------------------------------------------------------------------------

    def load(self, name: str, digest: Digest, *, where: str) -> DatasetVersion:
        """The version ``digest`` of dataset ``name``; ``where`` names who asked for it."""
        found = self._versions.get(digest)
        if found is None:
            data = self._manifest_bytes(name, digest, where)
            manifest = parse(data, where=f"manifest {digest}")
            listing = self._listing_bytes(manifest, digest, where)
            try:
                entries = tuple(decode(listing, where=f"file list {manifest.listing}"))
            except DataError as exc:
                raise type(exc)(
                    f"{where}: dataset '{name}' version {digest}: {exc}; gitml refuses this "
                    f"version (anyone with push access can write records, so check who made it)"
                ) from None
            found = self._versions[digest] = DatasetVersion(digest, manifest, entries)
            # Kept in the cache only once valid: a refused record leaves no trace there.
            if self._pending is not None:
                self._pending.extend((data, listing))
            else:
                put_bytes(self.ws.cache, data)
                put_bytes(self.ws.cache, listing)
        return found

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """Keep versions read inside the block out of the cache unless the block succeeds.

        So a check that refuses a version (or where it would be written) changes nothing.
        """
        self._pending = []
        try:
            yield
            pending = self._pending
        finally:
            self._pending = None
        for data in pending:
            put_bytes(self.ws.cache, data)

    def find(self, name: str, digest: Digest) -> DatasetVersion | None:
        """``load`` without the remote; ``None`` when absent or when ``digest`` names
        something other than a manifest (a run's plain input file, a folder listing).

        A version whose file list is over the limit is ``TooLarge``, never ``None``: gc
        would otherwise keep only its manifest and drop its files.
        """
        try:
            saved, self.fetch = self.fetch, False
            try:
                return self.load(name, digest, where="")
            finally:
                self.fetch = saved
        except TooLarge:
            raise
        except (DataError, InvalidRecord):
            return None

    def _manifest_bytes(self, name: str, digest: Digest, where: str) -> bytes:
        try:
            data = read_object(self.ws.cache, digest, max_bytes=MAX_MANIFEST_BYTES)
            if data is None:
                data = self._from_ref(name, digest, MANIFEST_SUFFIX, MAX_MANIFEST_BYTES)
            if data is None:
                data = self._from_remote(digest, MAX_MANIFEST_BYTES)
        except TooLarge as exc:
            raise DataError(
                f"{where}: the manifest of dataset '{name}': {exc} for a manifest, so "
                f"gitml neither fetches nor reads it; anyone can commit a pointer naming any "
                f"object (and record one on {DATA_REF}): check who changed the pointer of "
                f"'{name}'"
            ) from None
        if data is None:
            raise DataError(
                f"{where}: manifest {digest} of dataset '{name}' is in neither "
                f"{self._places()}; was the pointer edited? Otherwise fetch it with "
                f"`git ml data pull` or `git ml pull`"
            )
        return data

    def _listing_bytes(self, manifest: Manifest, digest: Digest, where: str) -> bytes:
        limit = self.ws.settings.max_listing_bytes
        try:
            data = read_object(self.ws.cache, manifest.listing, max_bytes=limit)
            if data is None:
                data = self._from_ref(
                    manifest.name, digest, LISTING_SUFFIX, limit, expected=manifest.listing
                )
            if data is None:
                data = self._from_remote(manifest.listing, limit)
        except TooLarge as exc:
            lead = f"{where}: " if where else ""  # find() passes none
            raise TooLarge(
                f"{lead}the file list of dataset '{manifest.name}' version {digest}: "
                f"{exc} (data.max_listing_mb in .gitml/config.toml), so "
                f"gitml neither fetches nor reads it; raise the limit if the dataset really "
                f"has that many files, else check who made this version",
                size=exc.size,
                limit=exc.limit,
            ) from None
        if data is None:
            raise DataError(
                f"{where}: the file list {manifest.listing} of dataset '{manifest.name}' is "
                f"in neither {self._places()}; fetch it with `git ml data pull` or `git ml pull`"
            )
        return data

    def _places(self) -> str:
        """Where a version was looked for, for error messages."""
        if not self.fetch:
            return "refs/gitml/data nor the local cache (data remotes were not asked)"
        if not self.ws.has_remote():
            return "refs/gitml/data, the cache nor a data remote (none is configured)"
        try:
            label = f"data remote '{self.ws.remote_config(self.remote_name).name}'"
        except GitmlError:
            label = "the data remote"
        return f"refs/gitml/data, the cache nor {label}"

    def _from_ref(
        self, name: str, digest: Digest, suffix: str, limit: int, *, expected: Digest | None = None
    ) -> bytes | None:
        """The record of ``digest`` on ``refs/gitml/data``; a blob over ``limit`` (a fetched
        record may be any size) is ``TooLarge`` by its object header, never read."""
        snap = open_collection(self.ws.repo, DATA_REF).snapshot()
        if snap.tip is None:
            return None
        manifest_path, listing_path = record_paths(name, digest)
        path = manifest_path if suffix == MANIFEST_SUFFIX else listing_path
        data = _read_within(snap, path, limit)
        if data is None:  # the pointer's file was renamed: look under every dataset name
            rest = path.split("/", 2)[2]
            for other in snap.listdir(PREFIX):
                data = _read_within(snap, f"{PREFIX}/{other}/{rest}", limit)
                if data is not None:
                    break
        want = expected if expected is not None else digest
        if data is None or hash_bytes(data) != want:
            return None
        return data

    def _from_remote(self, digest: Digest, max_bytes: int) -> bytes | None:
        """The object ``digest`` from the data remote, refused (``TooLarge``) before more
        than ``max_bytes`` of it reach the disk."""
        if not self.fetch or not self.ws.has_remote():
            return None

        _config, remote = self.ws.open_remote(self.remote_name)
        report = pull(self.ws.cache, remote, [digest], jobs=1, max_bytes=max_bytes)
        if report.failed:
            raise RemoteError(next(iter(report.failed.values())))
        return read_object(self.ws.cache, digest, max_bytes=max_bytes)

    # -- writing -------------------------------------------------------------------------

    def save(
        self,
        versions: Sequence[tuple[Manifest, bytes]],
        profiles: Mapping[Digest, bytes],
        message: str,
    ) -> list[Digest]:
        """Record manifests (with their listing bytes) and profiles in one commit."""

        files: dict[str, bytes] = {}
        digests = []
        for manifest, listing in versions:
            put_bytes(self.ws.cache, listing)
            data = manifest.dump()
            digest = put_bytes(self.ws.cache, data)
            manifest_path, listing_path = record_paths(manifest.name, digest)
            files[manifest_path] = data
            files[listing_path] = listing
            digests.append(digest)
        for file_digest, data in profiles.items():
            files[profile_path(file_digest)] = data
        if files:
            open_collection(self.ws.repo, DATA_REF).write(lambda _snap: files, message)
        return digests

    def has_profile(self, file_digest: Digest) -> bool:
        return self._snapshot().exists(profile_path(file_digest))

    def read_profiles(self, file_digests: Sequence[Digest]) -> dict[Digest, bytes]:
        """The stored profiles of those files that have one; one over a record's size limit
        (a fetch may bring any) is ``TooLarge`` by its object header, never read."""
        snap = self._snapshot()
        paths = {digest: profile_path(digest) for digest in file_digests}
        stored = {}
        for (digest, path), size in zip(
            paths.items(), snap.sizes(list(paths.values())), strict=True
        ):
            if size is not None and size > MAX_RECORD_BYTES:
                raise too_large(f"{DATA_REF}:{path}", size=size, limit=MAX_RECORD_BYTES)
            if size is not None:
                stored[digest] = path
        found = {digest: snap.read(path) for digest, path in stored.items()}
        return {digest: data for digest, data in found.items() if data is not None}

    def _snapshot(self) -> Snapshot:
        """``refs/gitml/data`` as of the first profile lookup (profiles never change)."""

        if self._snap is None:
            self._snap = open_collection(self.ws.repo, DATA_REF).snapshot()
        return self._snap


def _read_within(snap: Snapshot, path: str, limit: int) -> bytes | None:
    """The blob at ``path`` of ``snap`` (None: none there), refused (``TooLarge``) by its
    size before reading."""
    size = snap.size(path)
    if size is None:
        return None
    if size > limit:
        raise too_large(f"{snap.ref}:{path}", size=size, limit=limit)
    return snap.read(path)


def iter_recorded(ws: DataWorkspace) -> Iterator[tuple[str, Digest, bytes]]:
    """``(name, digest, manifest bytes)`` of every manifest on ``refs/gitml/data``."""

    collection = open_collection(ws.repo, DATA_REF)
    snap = collection.snapshot()
    for path, _ in collection.iter_paths():
        if not path.endswith(MANIFEST_SUFFIX):
            continue
        parts = path.split("/")
        if len(parts) != 4:
            continue
        data = snap.read(path)
        if data is None:
            continue
        digest = hash_bytes(data)
        if digest.hex != parts[3][: -len(MANIFEST_SUFFIX)]:
            continue
        yield parts[1], digest, data
