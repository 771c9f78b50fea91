"""The one guard for every path gitml writes data to: names first, then places.

Dataset file lists, pointers, run inputs and artifact names come from records that anyone
with push access can write (DESIGN.md §8), so everything that puts files into a tree --
``data checkout``, ``data pull``, a rerun restoring its inputs, ``model get --to``, the
pointer and ``.gitignore`` writes of ``data add`` -- goes through this module.

**Names.** ``path_problem`` applies git's own ``verify_path`` rules (read-cache.c) with
both ``core.protectNTFS`` and ``core.protectHFS`` on, whatever the platform, and refuses
control characters too: no absolute path or drive prefix; no empty, ``.`` or ``..``
component; no ``.git`` component in any letter case, nor its NTFS aliases (``.git.``,
``.git ``, ``.git::$INDEX_ALLOCATION``, ``git~1``, also after a backslash) or HFS+ aliases
(``.g\\u200cit``: code points HFS+ ignores); and for symbolic links none of
``.gitmodules``, ``.gitattributes``, ``.gitignore``, ``.mailmap`` or their NTFS short
names. Record validation (``git ml check``, ``git ml validate``, every read of a file list)
runs the same function.

**Places.** ``TreeWriter`` descends from an open directory one component at a time with
``openat(O_NOFOLLOW | O_DIRECTORY)``: a directory that is a symbolic link -- there before,
or swapped in a moment ago -- stops the write instead of redirecting it. A file appears by
``renameat`` of a temporary file made in that same directory, which replaces a link at the
final name instead of following it. ``check_places`` is the same test done with ``lstat``
before anything is fetched, so a refusal normally comes before any byte moves.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from gitml.objects.errors import DataError
from gitml.objects.fileio import create_temp, publish, unlink_quietly, write_all

if TYPE_CHECKING:
    from gitml.objects.cache import Cache
    from gitml.objects.progress import Progress

# Code points HFS+ drops when it compares names (git's utf8.c, next_hfs_char).
_HFS_IGNORED = re.compile("[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]")
_DRIVE = re.compile(r"[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# The special files git refuses as symbolic links, with their NTFS 8.3 short-name prefixes.
_LINK_SPECIAL = {
    "gitmodules": "gi7eba",
    "gitattributes": "gi7d29",
    "gitignore": "gi250a",
    "mailmap": "maba30",
}
_SHORT_NAME = re.compile(r"([^~]{0,6})~[1-9][0-9]*")
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_MAX_OPEN_DIRS = 256


class UnsafePath(DataError):
    """A path gitml refuses to write: a bad name, or a link or file in the way."""


def _ntfs_tail(rest: str) -> bool:
    """Only spaces and periods before the end or an NTFS stream (``:``)."""
    return not rest.partition(":")[0].strip(" .")


def _is_ntfs_alias(part: str, name: str, short_prefix: str) -> bool:
    """Whether NTFS opens ``part`` as ``.<name>`` (git's ``is_ntfs_dot_generic``)."""
    lower = part.lower()
    if lower.startswith("." + name) and _ntfs_tail(part[len(name) + 1 :]):
        return True
    if lower[:6] == name[:6] and part[6:7] == "~" and part[7:8] in "1234" and len(part) >= 8:
        return _ntfs_tail(part[8:])
    match = _SHORT_NAME.fullmatch(part[:8])
    if match is None or len(part) < 8 or not match.group(1).isascii():
        return False
    return short_prefix.startswith(match.group(1).lower()) and _ntfs_tail(part[8:])


def _is_dotgit(part: str) -> bool:
    """``.git`` as git's HFS+ and NTFS checks see it, in any letter case."""
    if _HFS_IGNORED.sub("", part).lower() == ".git":
        return True
    lower = part.lower()
    if lower.startswith(".git") and _ntfs_tail(part[4:]):
        return True
    return lower.startswith("git~1") and _ntfs_tail(part[5:])


def _is_link_special(part: str) -> bool:
    """``.gitmodules`` and the other files git will not let be symbolic links."""
    folded = _HFS_IGNORED.sub("", part).lower()
    return any(
        folded == "." + name or _is_ntfs_alias(part, name, short)
        for name, short in _LINK_SPECIAL.items()
    )


def path_problem(path: str, *, symlink: bool = False) -> str | None:
    """Why git's ``verify_path`` (plus: no control characters) refuses ``path``, or None.

    ``path`` is a POSIX path relative to the folder it will be written in; ``symlink``
    applies the extra rules for symbolic links.
    """
    if not path:
        return "is empty"
    if path.startswith("/"):
        return "is absolute"
    if _DRIVE.match(path):
        return "starts with a drive letter"
    if _CONTROL.search(path):
        return "holds a control character"
    for component in path.split("/"):
        if component == "":
            return "has an empty component ('//' or a trailing '/')"
        if component in (".", ".."):
            return f"has a '{component}' component"
        for part in component.split("\\"):
            if part == "..":
                return "has a '..' component (after a backslash)"
            if _is_dotgit(part):
                return f"has a '{component}' component, which git reads as '.git'"
            if symlink and _is_link_special(part):
                return f"is a symbolic link named '{component}', which git refuses"
    return None


def check_path(path: str, *, where: str, symlink: bool = False) -> str:
    """``path`` if ``path_problem`` finds nothing; else ``UnsafePath`` naming ``where``."""
    problem = path_problem(path, symlink=symlink)
    if problem is not None:
        raise UnsafePath(f"{where}: path {path!r} {problem}; gitml never writes such a path")
    return path


def check_file_name(name: str, *, where: str) -> str:
    """A single file name (no '/') that ``check_path`` accepts."""
    if "/" in name:
        raise UnsafePath(f"{where}: file name {name!r} holds a '/'")
    return check_path(name, where=where)


def _link_message(shown: str, full: Path, where: str) -> str:
    try:
        target = f" (to '{full.readlink()}')"
    except OSError:
        target = ""
    return (
        f"{where}: '{shown}' is a symbolic link{target}; gitml never writes data through a "
        f"link. If a commit brought it, it is not safe to follow: remove it (`git rm "
        f"{shown}`) and run again"
    )


def _lstat(full: Path) -> os.stat_result | None:
    try:
        return full.lstat()
    except (FileNotFoundError, NotADirectoryError):
        return None


def check_root(workdir: Path, path: str, *, where: str) -> None:
    """A dataset location: a safe name, inside ``workdir``, no symbolic link on the way.

    The location itself may be a link only to an existing file (a file dataset's link is
    replaced, never followed); a link to a folder, or one leading nowhere, is refused.
    """
    check_path(path, where=where)
    parts = path.split("/")
    for i in range(1, len(parts) + 1):
        shown = "/".join(parts[:i])
        full = workdir / shown
        st = _lstat(full)
        if st is None:
            return
        if stat.S_ISLNK(st.st_mode):
            if i == len(parts) and full.is_file():
                return
            raise UnsafePath(_link_message(shown, full, where))
        if i < len(parts) and not stat.S_ISDIR(st.st_mode):
            raise UnsafePath(f"{where}: '{shown}' is a file, but dataset '{path}' lies below it")


def check_places(root: Path, paths: Iterable[str], *, where: str) -> None:
    """Every folder on the way to each of ``paths`` (below ``root``) is a real folder.

    The early, ``lstat`` form of ``TreeWriter``'s check: run before fetching anything.
    """
    seen: set[str] = set()
    for rel in paths:
        parts = rel.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            shown = "/".join(parts[:i])
            if shown in seen:
                continue
            full = root / shown
            st = _lstat(full)
            if st is None:
                break
            if stat.S_ISLNK(st.st_mode):
                raise UnsafePath(_link_message(shown, full, where))
            if not stat.S_ISDIR(st.st_mode):
                raise UnsafePath(
                    f"{where}: '{shown}' is a file, but '{rel}' should be written below it; "
                    f"move it away and run again"
                )
            seen.add(shown)


def check_writes(root: Path, paths: Iterable[str], *, where: str) -> None:
    """Every one of ``paths`` passes git's rules (``check_path``) and no folder on its way
    below ``root`` is a link or a file (``check_places``): the checks before a write."""
    paths = list(paths)
    for rel in paths:
        check_path(rel, where=where)
    check_places(root, paths, where=where)


def enter_folder(root: Path, rel: str, *, where: str) -> Path:
    """``root/rel``, made if missing: the folder a recorded command runs in (``.`` is
    ``root``). ``rel`` passes git's rules and no folder on the way is a link or a file."""
    if rel == ".":
        return root
    check_path(rel, where=where)
    with TreeWriter(root, where=where) as writer:
        writer.make_folder(rel)
    return root / rel


def check_target(target: Path, *, git_dir: Path, where: str) -> None:
    """A folder the user named to write into (``model get --to``) leads nowhere into git.

    The folder may lie outside the work tree, and links on the way are the user's to
    follow, but once they are followed it may neither be in the repository's git directory
    nor have a ``.git`` component: a committed link ``deploy -> .git/hooks`` must not turn
    an artifact name into a hook.
    """
    real = Path(os.path.realpath(target))
    real_git = Path(os.path.realpath(git_dir))
    if real == real_git or real_git in real.parents or any(map(_is_dotgit, real.parts)):
        shown = f"'{target}'" if Path(target) == real else f"'{target}' (which is '{real}')"
        raise UnsafePath(
            f"{where}: {shown} lies inside git's own files; gitml never writes there. "
            f"Name a folder outside .git"
        )


class TreeWriter:
    """Writes and removes files below ``root`` without following a symbolic link on the way.

    ``root`` itself is opened normally: it is the work tree (or a folder the user named),
    trusted. Open folders are kept (up to a limit) until ``close``; thread-safe.
    """

    def __init__(self, root: Path, *, where: str) -> None:
        self.root = root
        self.where = where
        self._fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        self._dirs: dict[str, int] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> TreeWriter:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            for fd in self._dirs.values():
                os.close(fd)
            self._dirs.clear()
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1

    def _refuse(self, shown: str, parent_fd: int, name: str) -> UnsafePath:
        try:
            st = os.stat(name, dir_fd=parent_fd, follow_symlinks=False)
        except OSError:
            st = None
        if st is not None and stat.S_ISLNK(st.st_mode):
            return UnsafePath(_link_message(shown, self.root / shown, self.where))
        return UnsafePath(f"{self.where}: '{shown}' is not a folder; move it away and run again")

    def _descend(self, folder: str, *, create: bool) -> int:
        """A new descriptor of ``root/folder``, reached without following links."""
        current = os.dup(self._fd)
        done: list[str] = []
        try:
            for name in folder.split("/") if folder else ():
                done.append(name)
                try:
                    child = os.open(name, _DIR_FLAGS, dir_fd=current)
                except FileNotFoundError:
                    if not create:
                        raise
                    try:
                        os.mkdir(name, 0o777, dir_fd=current)
                    except FileExistsError:
                        pass
                    try:
                        child = os.open(name, _DIR_FLAGS, dir_fd=current)
                    except OSError as exc:
                        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                            raise self._refuse("/".join(done), current, name) from None
                        raise
                except OSError as exc:
                    if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                        raise self._refuse("/".join(done), current, name) from None
                    raise
                os.close(current)
                current = child
        except BaseException:
            os.close(current)
            raise
        return current

    def _folder(self, folder: str) -> tuple[int, bool]:
        """A descriptor of ``root/folder`` (made if missing) and whether the caller owns it.

        Up to ``_MAX_OPEN_DIRS`` folders stay open for later writes; past that each
        write descends afresh and closes its descriptor.
        """
        with self._lock:
            found = self._dirs.get(folder)
        if found is not None:
            return found, False
        fd = self._descend(folder, create=True)
        with self._lock:
            if folder in self._dirs:
                os.close(fd)
                return self._dirs[folder], False
            if len(self._dirs) < _MAX_OPEN_DIRS:
                self._dirs[folder] = fd
                return fd, False
        return fd, True

    def make_folder(self, folder: str) -> None:
        """Make ``root/folder`` and the folders on the way, never through a link."""
        os.close(self._descend(folder, create=True))

    def materialize(
        self, cache: Cache, digest: str, rel: str, *, progress: Progress | None = None
    ) -> None:
        """Write the cache object ``digest`` to ``rel`` (verified, atomic, no link followed)."""
        folder, _, name = rel.rpartition("/")
        dir_fd, owned = self._folder(folder)
        try:
            cache.materialize(digest, name, dir_fd=dir_fd, shown=rel, progress=progress)
        finally:
            if owned:
                os.close(dir_fd)

    def write_bytes(self, rel: str, data: bytes) -> None:
        """Replace ``rel`` with ``data`` atomically (a temporary file and a rename)."""
        folder, _, name = rel.rpartition("/")
        dir_fd, owned = self._folder(folder)
        try:
            fd, tmp = create_temp(Path(), name, dir_fd=dir_fd)
            try:
                try:
                    write_all(fd, data)
                finally:
                    os.close(fd)
                publish(tmp, Path(name), dir_fd=dir_fd)
            except BaseException:
                unlink_quietly(tmp, dir_fd=dir_fd)
                raise
        finally:
            if owned:
                os.close(dir_fd)

    def remove(self, rel: str) -> bool:
        """Unlink the file (or link) ``rel``, never a folder; False if it was not there."""
        folder, _, name = rel.rpartition("/")
        try:
            dir_fd = self._descend(folder, create=False)
        except FileNotFoundError:
            return False
        try:
            os.unlink(name, dir_fd=dir_fd)
        except FileNotFoundError:
            return False
        finally:
            os.close(dir_fd)
        return True

    def prune(self, folders: Iterable[str], *, inside: str) -> None:
        """Remove those of ``folders`` (and their parents) left empty, down to ``inside``."""
        with self._lock:
            for fd in self._dirs.values():
                os.close(fd)
            self._dirs.clear()
        for folder in sorted(set(folders), key=len, reverse=True):
            current = folder
            while current and (current == inside or current.startswith(inside + "/")):
                parent, _, name = current.rpartition("/")
                try:
                    dir_fd = self._descend(parent, create=False)
                except (FileNotFoundError, UnsafePath):
                    break
                try:
                    os.rmdir(name, dir_fd=dir_fd)
                except OSError:
                    break
                finally:
                    os.close(dir_fd)
                current = parent
