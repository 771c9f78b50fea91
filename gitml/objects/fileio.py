"""Low-level file moves shared by the cache and the remotes: reflink, hashing copy, publish.

Every object is written to a temporary file first and renamed into place, so an
interrupted writer (even SIGKILL) never leaves a partial file under a final name.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from gitml.objects.digest import Digest, hash_fd
from gitml.objects.leftovers import owner_tag

if TYPE_CHECKING:
    from gitml.objects.progress import Progress

FICLONE = 0x40049409  # _IOW(0x94, 9, int) from <linux/fs.h>
_NO_REFLINK = {errno.EOPNOTSUPP, errno.ENOTTY, errno.EXDEV, errno.EINVAL, errno.ENOSYS, errno.EPERM}
_reflink_failed: set[tuple[int, int]] = set()
_reflink_lock = threading.Lock()
_PROC_FD = Path("/proc/self/fd").is_dir()


def reflink_known_unsupported(src_dev: int, dst_dev: int) -> bool:
    """Whether a reflink between these devices already failed in this process."""
    return (src_dev, dst_dev) in _reflink_failed


def try_reflink(src_fd: int, dst_fd: int) -> bool:
    """Clone ``src_fd``'s extents into the empty ``dst_fd`` (``ioctl FICLONE``) if supported.

    Copy-on-write filesystems (btrfs, XFS with reflink, bcachefs, ZFS 2.2+) make this an
    O(1) snapshot. Unsupported device pairs are remembered and not retried.
    """
    pair = (os.fstat(src_fd).st_dev, os.fstat(dst_fd).st_dev)
    if pair in _reflink_failed:
        return False
    try:
        fcntl.ioctl(dst_fd, FICLONE, src_fd)
    except OSError as exc:
        if exc.errno not in _NO_REFLINK:
            raise
        with _reflink_lock:
            _reflink_failed.add(pair)
        return False
    return True


def create_temp(
    directory: Path, stem: str, mode: int = 0o666, *, dir_fd: int | None = None
) -> tuple[int, Path]:
    """Create a new, hidden, uniquely named file in ``directory`` (made if missing).

    The name carries this process's owner tag (``gitml.objects.leftovers``), so a later run
    can tell the file of a killed writer from a live one's. With ``dir_fd`` the file is
    made in that open folder and the returned path is its bare name.
    """
    name = f".{stem}.{owner_tag()}.{os.urandom(6).hex()}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    if dir_fd is not None:
        return os.open(name, flags, mode, dir_fd=dir_fd), Path(name)
    path = directory / name
    try:
        fd = os.open(path, flags, mode)
    except FileNotFoundError:
        directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, flags, mode)
    return fd, path


def write_all(fd: int, data: bytes) -> None:
    """Write every byte of ``data`` to ``fd`` (``os.write`` may take only part of it)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def unlink_quietly(path: Path, *, dir_fd: int | None = None) -> None:
    try:
        os.unlink(path, dir_fd=dir_fd)
    except FileNotFoundError:
        pass


def publish(tmp: Path, final: Path, *, dir_fd: int | None = None) -> None:
    """Rename ``tmp`` onto ``final`` atomically, creating ``final``'s directory if needed.

    With ``dir_fd`` both are names in that open folder (nothing is created then).
    """
    if dir_fd is not None:
        os.rename(tmp, final, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        return
    try:
        tmp.rename(final)
    except FileNotFoundError:
        if not tmp.exists():
            raise
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp.rename(final)


def write_verified(
    src_fd: int,
    final: Path,
    expected: Digest,
    *,
    temp_dir: Path,
    mismatch: Callable[[Digest], Exception],
    mode: int | None = None,
    durable: bool = True,
    reflink: bool = True,
    copy: bool = True,
    progress: Progress | None = None,
    defer: list[tuple[Path, Path]] | None = None,
    dir_fd: int | None = None,
) -> bool | None:
    """Write ``src_fd``'s content to ``final`` atomically and only if it hashes to ``expected``.

    Tries a reflink (then hashes the clone, a stable snapshot), else copies while hashing.
    On a mismatch the temporary file is removed and ``mismatch(actual)`` is raised.
    ``mode`` (if given) is set on the file before it becomes visible; ``durable`` fsyncs
    the data before the rename, so even a power cut cannot leave a damaged final file.
    Returns whether a reflink was made; ``None`` if the reflink failed and ``copy`` is
    false (then nothing was written).

    With ``defer`` the verified temporary file is neither fsynced nor renamed: ``(tmp,
    final)`` is appended to it, for the caller to flush the whole batch at once (one
    ``syncfs`` instead of an fsync per file) and then ``publish``.

    With ``dir_fd``, ``final`` is a name in that open folder and the temporary file is
    made beside it (``temp_dir`` is then unused).
    """
    fd, tmp = create_temp(temp_dir, final.name, dir_fd=dir_fd)
    try:
        try:
            cloned = reflink and try_reflink(src_fd, fd)
            if not cloned and not copy:
                unlink_quietly(tmp, dir_fd=dir_fd)
                return None
            if cloned:
                clone = os.open(tmp, os.O_RDONLY | os.O_CLOEXEC, dir_fd=dir_fd)
                try:
                    actual = hash_fd(clone, progress)
                finally:
                    os.close(clone)
            else:
                actual = hash_fd(src_fd, progress, copy_to=fd)
            if actual != expected:
                raise mismatch(actual)
            if mode is not None:
                os.fchmod(fd, mode)
            if durable and defer is None:
                os.fsync(fd)
        finally:
            os.close(fd)
        if defer is None:
            publish(tmp, final, dir_fd=dir_fd)
        else:
            defer.append((tmp, final))
    except BaseException:
        unlink_quietly(tmp, dir_fd=dir_fd)
        raise
    return cloned


def link_verified(
    fd: int,
    st: os.stat_result,
    expected: Digest,
    root_fd: int,
    root: str,
    name: str,
    *,
    mismatch: Callable[[Digest], Exception],
    sync: bool,
    path: str | os.PathLike[str],
) -> bool | None:
    """Make ``root/name`` a hard link to the open file ``fd``, made read-only and re-read.

    The write bits are removed from the shared inode first, then its content must still
    hash to ``expected`` (else ``mismatch(actual)`` is raised and the mode restored). The
    link is made from ``/proc/self/fd/N``, i.e. from the very inode that was opened and
    re-read, even if ``path`` was replaced meanwhile. Returns ``True`` once linked,
    ``False`` if ``name`` already exists, ``None`` if the filesystem refuses the link
    (the caller copies instead); in both cases the file's mode is restored.
    """
    mode = stat.S_IMODE(st.st_mode)
    readonly = mode & ~0o222
    os.fchmod(fd, readonly)
    linked = False
    # ``os.link`` only uses linkat(AT_SYMLINK_FOLLOW) when given a directory fd; plain
    # link(2) would link the /proc magic link (or a symlink) itself.
    source = f"/proc/self/fd/{fd}" if _PROC_FD else os.fspath(path)
    try:
        actual = hash_fd(fd)
        if actual != expected:
            raise mismatch(actual)
        if sync:
            os.fsync(fd)
        try:
            os.link(source, name, dst_dir_fd=root_fd, follow_symlinks=True)
        except FileNotFoundError:
            (Path(root) / name).parent.mkdir(parents=True, exist_ok=True)
            os.link(source, name, dst_dir_fd=root_fd, follow_symlinks=True)
        linked = True
        if not _PROC_FD and os.stat(name, dir_fd=root_fd).st_ino != st.st_ino:  # pragma: no cover
            # ``path`` was replaced by another file after we opened it.
            os.unlink(name, dir_fd=root_fd)
            linked = False
            return None
        return True
    except FileExistsError:
        return False
    except OSError:
        # EXDEV, EPERM (protected_hardlinks), EMLINK, ENOTSUP, a vanished path...
        return None
    finally:
        if not linked and readonly != mode:
            os.fchmod(fd, mode)


def syncfs(path: Path) -> None:
    """Flush the filesystem holding ``path`` (Linux ``syncfs``; elsewhere ``sync``)."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        if not _libc_syncfs(fd):
            os.sync()  # pragma: no cover - non-Linux
    finally:
        os.close(fd)


def _libc_syncfs(fd: int) -> bool:
    import ctypes

    try:
        fn = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):  # pragma: no cover - non-Linux
        return False
    return bool(fn(fd) == 0)
