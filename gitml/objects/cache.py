"""The content-addressed object cache: ``<root>/<2 hex>/<30 hex>`` of each digest.

Objects are immutable and read-only, and a name is only ever given to content that hashes
to it: every write goes through a temporary file in ``<root>/tmp/`` (or a hard link made
after the content was re-read) and an atomic rename, so a writer killed at any point
leaves at worst a stray temporary file (``clean_temp`` removes it), never a damaged object.

How content gets in (``LinkMode``):

* **reflink** (``ioctl FICLONE``, copy-on-write filesystems): an O(1) private copy; the
  clone is hashed, so a concurrent edit of the source cannot slip in.
* **hardlink** (``LinkMode.AUTO`` only, after reflink failed): the object *is* the work-tree
  file's inode. A hard link shares the content, so an in-place edit of the work-tree file
  would silently change the object. gitml therefore removes the write bits from the
  shared inode first, making the **work-tree file read-only too** (DVC's "protected"
  mode): in-place writes then fail with "permission denied" instead of corrupting the
  cache, while editors that save by writing a new file and renaming it simply break the
  link. It is used only when that is safe and invisible to other names: same filesystem,
  a regular file owned by the current user, and no other hard link (``st_nlink == 1``).
  What it cannot stop (a writer that opened the file before ``add``, ``chmod u+w`` then
  an in-place edit, root) is caught by ``verify``. It costs no data copy and no space,
  which is what makes adding a 1 GiB file take about as long as hashing it.
* **copy** otherwise (or always with ``LinkMode.COPY``; ``LinkMode.REFLINK`` never shares
  an inode with the work tree): the bytes are hashed as they are copied.

``durable`` flushes content to disk before it gets its final name, so even a power cut
cannot leave a damaged object: ``store`` fsyncs each copy (or the hard-linked inode);
``store_many`` verifies all copies into temporary files, flushes them with a single
``syncfs`` (an fsync per small file would dominate), and only then renames them.
"""

from __future__ import annotations

import os
import time
import weakref
from collections.abc import Iterable, Iterator, Mapping
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from gitml.objects.digest import (
    PREFIX,
    Digest,
    hash_fd,
    is_hex,
    open_regular,
    parse_digest,
    run_parallel,
)
from gitml.objects.errors import DataError, IntegrityError, SourceChanged, write_error
from gitml.objects.fileio import (
    create_temp,
    link_verified,
    publish,
    reflink_known_unsupported,
    syncfs,
    unlink_quietly,
    write_verified,
)
from gitml.objects.leftovers import is_leftover
from gitml.objects.progress import one_file

if TYPE_CHECKING:
    from gitml.objects.progress import Progress

CACHE_DIR = "cache"  # the cache's folder in gitml's state folder (``.git/gitml``)
TEMP_DIR = "tmp"
OBJECT_MODE = 0o444
_BATCH = 64

_PREFIX_LEN = len(PREFIX)

P = TypeVar("P", bound="str | os.PathLike[str]")


def _exists(path: str) -> bool:
    try:
        os.stat(path)  # noqa: PTH116 - hot path, plain strings
    except FileNotFoundError:
        return False
    return True


class LinkMode(StrEnum):
    """How ``store`` brings content into the cache."""

    AUTO = "auto"  # reflink, else hardlink (when safe), else copy
    REFLINK = "reflink"  # reflink, else copy: never shares an inode with the work tree
    COPY = "copy"  # always a full copy


class StoreMethod(StrEnum):
    """What ``store`` or ``materialize`` did."""

    PRESENT = "present"  # the object was already there; nothing was written
    REFLINK = "reflink"
    HARDLINK = "hardlink"
    COPY = "copy"


def digests_in(shards: Iterable[os.DirEntry[str]]) -> Iterator[Digest]:
    """The digests of the objects in ``shards``, the entries of a cache-layout folder (two
    hex digits a shard, 30 an object): other names and temporary files are skipped."""
    for shard in shards:
        if not (is_hex(shard.name, 2) and shard.is_dir(follow_symlinks=False)):
            continue
        with os.scandir(shard.path) as entries:
            for entry in entries:
                if is_hex(entry.name, 30):
                    yield Digest.from_hex(shard.name + entry.name)


class Cache:
    """An object cache rooted at ``root`` (created on first write)."""

    def __init__(
        self, root: str | os.PathLike[str], *, link: LinkMode = LinkMode.AUTO, durable: bool = True
    ) -> None:
        self.root = Path(root)
        self.link = LinkMode(link)
        self.durable = durable
        self.temp_dir = self.root / TEMP_DIR
        self._root = os.fspath(self.root)
        self._dev: int | None = None
        self._dir_fd: int | None = None

    def _object(self, digest: Digest) -> str:
        # Plain strings: this runs once per file on hot paths, where pathlib costs more
        # than the system calls.
        hex32 = digest[_PREFIX_LEN:]
        return f"{self._root}/{hex32[:2]}/{hex32[2:]}"

    def path_of(self, digest: str) -> Path:
        """Where the object of ``digest`` lives (whether or not it is present)."""
        return Path(self._object(parse_digest(digest)))

    def has(self, digest: str) -> bool:
        return _exists(self._object(parse_digest(digest)))

    def size_of(self, digest: str) -> int:
        """The object's size in bytes; ``DataError`` if it is not in the cache."""
        try:
            return self.path_of(digest).stat().st_size
        except FileNotFoundError:
            raise self._missing(digest) from None

    def _missing(self, digest: str) -> DataError:
        return DataError(
            f"object {digest} is not in the cache at '{self.root}'; pull it from a data remote"
        )

    def _root_fd(self) -> int:
        if self._dir_fd is None:
            fd = os.open(self._root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            self._dir_fd = fd
            weakref.finalize(self, os.close, fd)
        return self._dir_fd

    def _cache_dev(self) -> int:
        if self._dev is None:
            self.root.mkdir(parents=True, exist_ok=True)
            self._dev = self.root.stat().st_dev
        return self._dev

    def store(self, path: str | os.PathLike[str], digest: str) -> StoreMethod:
        """Put the file at ``path``, whose content hashes to ``digest``, into the cache.

        Raises ``SourceChanged`` if the file no longer hashes to ``digest`` (nothing is
        stored then) and ``DataError`` if it cannot be read.
        """
        return self._store(
            path, parse_digest(digest), sync_links=self.durable, defer=None, progress=None
        )

    def store_many(
        self,
        items: Iterable[tuple[P, str]],
        *,
        jobs: int | None = None,
        progress: Progress | None = None,
        sizes: Mapping[P, int] | None = None,
    ) -> dict[P, StoreMethod]:
        """``store`` each ``(path, digest)`` in parallel; returns what was done per path.

        ``sizes`` (the files' sizes, when the caller knows them) makes the progress count
        bytes as well as files.
        """
        pairs = [(path, parse_digest(digest)) for path, digest in items]
        known = sizes or {}
        if progress is not None:
            nbytes = sum(known.get(path, 0) for path, _ in pairs)
            progress.phase("caching", files=len(pairs), nbytes=nbytes)
        batches = [pairs[i : i + _BATCH] for i in range(0, len(pairs), _BATCH)]
        pending: list[tuple[Path, Path]] = []  # verified copies, renamed after one flush
        done: dict[P, StoreMethod] = {}
        try:
            tasks = [partial(self._store_batch, b, pending, progress, known) for b in batches]
            for result in run_parallel(tasks, jobs):
                done.update(result)
            if self.durable and (pending or StoreMethod.HARDLINK in done.values()):
                syncfs(self.root)
            while pending:
                publish(*pending.pop())
        except BaseException:
            for tmp, _ in pending:
                unlink_quietly(tmp)
            raise
        return done

    def _store_batch(
        self,
        batch: list[tuple[P, Digest]],
        pending: list[tuple[Path, Path]],
        progress: Progress | None,
        sizes: Mapping[P, int],
    ) -> list[tuple[P, StoreMethod]]:
        out = []
        for path, digest in batch:
            share = one_file(progress, sizes.get(path, 0))
            method = self._store(path, digest, sync_links=False, defer=pending, progress=share)
            out.append((path, method))
            if share is not None:
                share.done()
        return out

    def _store(
        self,
        path: str | os.PathLike[str],
        digest: Digest,
        *,
        sync_links: bool,
        defer: list[tuple[Path, Path]] | None,
        progress: Progress | None,
    ) -> StoreMethod:
        linkable = self.link is LinkMode.AUTO
        try:
            fd, st = open_regular(path, follow_symlinks=False)
        except OSError:  # ELOOP: a symlink; store its target's content, never link it
            fd, st = open_regular(path)
            linkable = False
        try:
            return self._store_fd(path, fd, st, digest, linkable, sync_links, defer, progress)
        except OSError as exc:
            raise write_error(exc, f"'{os.fsdecode(path)}' into the cache") from exc
        finally:
            os.close(fd)

    def _store_fd(
        self,
        path: str | os.PathLike[str],
        fd: int,
        st: os.stat_result,
        digest: Digest,
        linkable: bool,
        sync_links: bool,
        defer: list[tuple[Path, Path]] | None,
        progress: Progress | None,
    ) -> StoreMethod:
        def changed(actual: Digest) -> SourceChanged:
            return SourceChanged(
                f"'{os.fsdecode(path)}' changed while being added (hashed as {digest}, "
                f"now reads as {actual}); add it again"
            )

        final = self._object(digest)
        cache_dev = self._cache_dev()

        def write(*, reflink: bool = True, copy: bool = True) -> bool | None:
            return write_verified(
                fd,
                Path(final),
                digest,
                temp_dir=self.temp_dir,
                mismatch=changed,
                mode=OBJECT_MODE,
                durable=self.durable,
                reflink=reflink,
                copy=copy,
                progress=progress,
                defer=defer,
            )

        if self.link is not LinkMode.COPY and not reflink_known_unsupported(st.st_dev, cache_dev):
            if _exists(final):
                return StoreMethod.PRESENT
            if write(copy=False):
                return StoreMethod.REFLINK
        if linkable and self._may_hardlink(st, cache_dev):
            linked = link_verified(
                fd,
                st,
                digest,
                self._root_fd(),
                self._root,
                final[len(self._root) + 1 :],
                mismatch=changed,
                sync=sync_links,
                path=path,
            )
            if linked is not None:
                return StoreMethod.HARDLINK if linked else StoreMethod.PRESENT
            os.lseek(fd, 0, os.SEEK_SET)
        if _exists(final):
            return StoreMethod.PRESENT
        write(reflink=False)
        return StoreMethod.COPY

    @staticmethod
    def _may_hardlink(st: os.stat_result, cache_dev: int) -> bool:
        return st.st_dev == cache_dev and st.st_nlink == 1 and st.st_uid == os.geteuid()

    def verify(self, digest: str) -> bool:
        """Whether the object's content still hashes to ``digest``."""
        digest = parse_digest(digest)
        try:
            fd = os.open(self.path_of(digest), os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            raise self._missing(digest) from None
        try:
            return hash_fd(fd) == digest
        finally:
            os.close(fd)

    def materialize(
        self,
        digest: str,
        dest: str | os.PathLike[str],
        *,
        progress: Progress | None = None,
        dir_fd: int | None = None,
        shown: str | None = None,
    ) -> StoreMethod:
        """Write the object to ``dest`` as an independent, writable file.

        Reflink if possible, else a copy verified while it is made; ``dest`` is replaced
        atomically (its directory is created if needed). With ``dir_fd``, ``dest`` is a
        name in that open folder (``gitml.objects.pathguard.TreeWriter`` passes one reached
        without following links) and ``shown`` the path for messages. Raises
        ``IntegrityError`` if the object is corrupt (``dest`` is then left as it was).
        """
        digest = parse_digest(digest)
        source = self.path_of(digest)
        dest = Path(dest)
        label = shown if shown is not None else str(dest)

        def corrupt(actual: Digest) -> IntegrityError:
            return IntegrityError(
                f"cache object '{source}' is corrupt (its content hashes to {actual}, "
                f"not {digest}); delete it and pull it again"
            )

        try:
            fd = os.open(source, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            raise self._missing(digest) from None
        try:
            cloned = write_verified(
                fd,
                dest,
                digest,
                temp_dir=dest.parent,
                mismatch=corrupt,
                durable=self.durable,
                reflink=self.link is not LinkMode.COPY,
                progress=progress,
                dir_fd=dir_fd,
            )
        except IsADirectoryError:
            raise DataError(
                f"cannot write '{label}': a folder is in the way; move it away and run again"
            ) from None
        except OSError as exc:
            raise write_error(exc, f"'{label}'") from exc
        finally:
            os.close(fd)
        return StoreMethod.REFLINK if cloned else StoreMethod.COPY

    def iter_digests(self) -> Iterator[Digest]:
        """Every object's digest (in directory order); temporary files are skipped."""
        try:
            shards = list(os.scandir(self.root))
        except FileNotFoundError:
            return
        yield from digests_in(shards)

    def remove(self, digest: str) -> bool:
        """Delete an object; returns whether it was there."""
        try:
            self.path_of(digest).unlink()
        except FileNotFoundError:
            return False
        return True

    def temp_path(self, digest: str) -> Path:
        """A fresh path in the cache's temporary directory (for ``adopt``)."""
        fd, path = create_temp(self.temp_dir, parse_digest(digest).hex)
        os.close(fd)
        path.unlink()
        return path

    def adopt(self, path: str | os.PathLike[str], digest: str) -> None:
        """Move a verified file (on the cache's filesystem) into place as ``digest``."""
        path = Path(path)
        path.chmod(OBJECT_MODE)
        publish(path, self.path_of(digest))

    def clean_temp(self, older_than: float = 3600.0) -> int:
        """Remove temporary files left by killed writers; returns how many were removed.

        A file whose writer is known to be gone goes at once; others (another host's, an
        untagged one) once they are ``older_than`` seconds old.
        """
        cutoff = time.time() - older_than
        removed = 0
        try:
            entries = list(os.scandir(self.temp_dir))
        except FileNotFoundError:
            return 0
        for entry in entries:
            if not entry.is_file(follow_symlinks=False):
                continue
            if is_leftover(entry.name) or entry.stat().st_mtime <= cutoff:
                unlink_quietly(Path(entry.path))
                removed += 1
        return removed


def open_cache(state_dir: Path, *, durable: bool = True) -> Cache:
    """The content cache in gitml's state folder (``.git/gitml``) as model artifacts, rerun
    inputs and cluster nodes use it: reflinks or copies, never hard links, so the files it
    hands out stay independent of it."""
    return Cache(state_dir / CACHE_DIR, link=LinkMode.REFLINK, durable=durable)
