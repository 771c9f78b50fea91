"""Files a killed gitml process leaves behind, and telling them from a live one's.

Every temporary file and run spool carries its writer's **owner tag** in its name:
``<pid>-<place>-<start>``, where ``place`` is eight hex digits of a hash of the host name
and the PID namespace (CRC-32: a label, not a secret), and ``start`` is the process's start time in clock ticks since
boot (``/proc/<pid>/stat``; 0 where unknown). A file is left over when its owner is gone:
same place, and that PID no longer runs, is a zombie, or now belongs to a process that
started at another time (the PID was reused). A file from another host or container, or
without a tag, is never judged here; ``data gc`` removes it once it is an hour old.

Object scratch files (``.git/gitml/tmp/obj-<pid>-<n>``, left by gitml versions that handed
new objects to git as files; objects now go to git through a pipe) carry only a PID: one
goes when that PID no longer runs here and the file is over a minute old (a live writer, on
any host, handed it to git within milliseconds).

``sweep_state`` runs at the start of ``data add`` and ``git ml run`` (a few ``scandir``
calls); ``data add`` and ``data checkout`` also drop leftovers they meet in dataset
folders, and ``data gc`` removes them whatever their age.
"""

from __future__ import annotations

import os
import re
import time
import zlib
from collections.abc import Iterable
from functools import cache
from pathlib import Path

TAG = r"(?P<pid>[0-9]+)-(?P<place>[0-9a-f]{8})-(?P<start>[0-9]+)"
_PROC = Path("/proc")
_mine: tuple[int, str] | None = None


def _start_time(pid: int) -> tuple[int, str] | None:
    """(start ticks, state letter) of ``pid``, or None if there is no such process."""
    try:
        text = (_PROC / str(pid) / "stat").read_text("ascii", "replace")
    except FileNotFoundError:
        return None
    except OSError:
        return 0, "?"
    # The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    fields = text[text.rfind(")") + 2 :].split()
    try:
        return int(fields[19]), fields[0]
    except (IndexError, ValueError):
        return 0, "?"


def _place() -> str:
    try:
        namespace = (_PROC / "self" / "ns" / "pid").stat().st_ino
    except OSError:
        namespace = 0
    label = f"{os.uname().nodename}\0{namespace}".encode()
    return f"{zlib.crc32(label):08x}"


def owner_tag() -> str:
    """This process's tag (recomputed after a fork)."""
    global _mine
    pid = os.getpid()
    if _mine is None or _mine[0] != pid:
        found = _start_time(pid) if _PROC.is_dir() else None
        _mine = (pid, f"{pid}-{_place()}-{found[0] if found else 0}")
    return _mine[1]


def owner_gone(pid: int, place: str, start: int) -> bool:
    """Whether the process a tag names is certainly not running (see the module doc)."""
    mine = owner_tag()
    if place != mine.split("-")[1]:
        return False
    if pid == os.getpid():
        return f"{pid}-{place}-{start}" != mine
    if not _PROC.is_dir():  # pragma: no cover - non-Linux: the PID alone decides
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except OSError:
            return False
        return False
    found = _start_time(pid)
    if found is None:
        return True
    ticks, state = found
    return state in ("Z", "X") or (start != 0 and ticks != 0 and ticks != start)


SCRATCH_AGE = 60.0


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """(temporary file, spool, object scratch) names; compiled on first use."""
    return (
        re.compile(rf"\..*\.{TAG}\.[0-9a-f]{{12}}\.tmp"),
        re.compile(rf"[0-9A-Z]{{26}}\.{TAG}"),
        re.compile(r"obj-(?P<pid>[0-9]+)-[0-9]+"),
    )


def _scratch_gone(name: str, mtime: float) -> bool:
    """Whether ``name`` is an object scratch file whose writer is gone (see the module doc)."""
    match = _patterns()[2].fullmatch(name)
    if match is None or time.time() - mtime < SCRATCH_AGE or not _PROC.is_dir():
        return False
    found = _start_time(int(match["pid"]))
    return found is None or found[1] in ("Z", "X")


def tag_gone(tag: str) -> bool:
    """Whether the process an owner tag names is certainly gone (False for other text)."""
    match = re.fullmatch(TAG, tag)
    return match is not None and owner_gone(int(match["pid"]), match["place"], int(match["start"]))


def is_leftover(name: str) -> bool:
    """Whether ``name`` is a temporary file or spool of a gitml process that is gone."""
    temp, spool, _scratch = _patterns()
    match = temp.fullmatch(name) or spool.fullmatch(name)
    if match is None:
        return False
    return owner_gone(int(match["pid"]), match["place"], int(match["start"]))


def is_temp_name(name: str) -> bool:
    """Whether ``name`` is one of gitml's temporary files (whoever wrote it)."""
    return _patterns()[0].fullmatch(name) is not None


def sweep(folders: Iterable[Path]) -> int:
    """Remove the leftovers in ``folders`` (not recursive); returns how many went."""
    removed = 0
    for folder in folders:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if not entry.is_file(follow_symlinks=False):
                continue
            name = entry.name
            if is_leftover(name) or (
                name.startswith("obj-") and _scratch_gone(name, entry.stat().st_mtime)
            ):
                try:
                    Path(entry.path).unlink()
                except OSError:
                    continue
                removed += 1
    return removed


def sweep_state(state_dir: Path) -> int:
    """The leftovers in gitml's state folder (``.git/gitml``): the content cache's
    temporary files, run spools and the object database's scratch files."""
    return sweep([state_dir / "cache" / "tmp", state_dir / "spool", state_dir / "tmp"])
