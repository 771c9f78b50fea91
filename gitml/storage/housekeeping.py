"""Keeping the object store packed in bounded steps: gitml's writes leave loose objects.

Every ``GC_EVERY`` writes start one step in the background (``python -m
gitml.storage.housekeeping GIT_DIR``): ``git repack --geometric=2 -d``. The loose objects
(reachable or not) go into a new pack, and packs are merged only as far as needed for each
to hold at least twice the objects of the next smaller one. A step costs the objects
written since the last one plus the small packs it merges; over a store's life an object
is rewritten about log2(N) times, and the packs number about log2 of the objects.

A full ``git gc`` walks the whole history, rewrites every object into one pack and parses
every commit again to rewrite the commit-graph. A large store's owner can make it redo
less with two settings of git's own (docs/storage-at-scale.md; gitml writes neither):
``gc.bigPackThreshold``, so gc keeps the big packs steps have merged as they are (an
unreachable object inside one is then not pruned by ``git gc``, even ``--aggressive
--prune=now``: ``git gc --no-keep-largest-pack`` is the full one), and
``gc.writeCommitGraph = false``, with which each step adds the commits since the last to
the commit-graph as a layer of its own (``git commit-graph write --split``, layers merged
geometrically like packs).

Not ``git gc --auto``: past ``gc.autoPackLimit`` packs it rewrites the whole store (and the
commit-graph of every run commit), and a warning it leaves in ``gc.log`` makes git skip it
for a day. A step writes no ``gc.log``, and since loose objects stay few and packs stay
under ``gc.autoPackLimit``, git's own automatic gc rarely has work.

Safe next to writers: repack deletes only packs whose objects it wrote into its new pack,
and loose objects already in a pack; it prunes nothing, so objects a writer made but has
not yet published survive. Unreachable objects are packed, never deleted (``git gc``
prunes those outside the packs it keeps). One step at a time: a step holds
``.git/gitml/housekeeping.lock``, and one that finds it held leaves the work to the step
that holds it. ``gc.auto = 0`` (git's switch for automatic housekeeping) turns steps off.
A failed step leaves git's message in ``.git/gitml/housekeeping.log``; the next one that
succeeds removes it.

A step also removes the query-index files of other schema versions that nothing has
written for ``UNUSED_INDEX_S`` and no connection holds: each version keeps a file of its
own (``storage.INDEX_FILE``), so every upgrade would otherwise leave the last one behind.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import suppress
from functools import partial
from pathlib import Path

from gitml.storage import INDEX_FILE, INDEX_USERS_SUFFIX
from gitml.storage.filelock import try_exclusive
from gitml.storage.git import last_line, run_git
from gitml.storage.repo import STATE_DIR, GitRepo

GC_EVERY = 256
LOCK = "housekeeping.lock"
LOG = "housekeeping.log"
REPACK = ("repack", "--geometric=2", "-d", "-q")
COMMIT_GRAPH = ("commit-graph", "write", "--reachable", "--split", "--size-multiple=2")
UNUSED_INDEX_S = 30 * 86_400.0
"""How long a query-index file of another schema version may go unwritten before a step
removes it. The gitml that uses one (an older version pinned by pre-commit, say) writes it
whenever it answers a query after new records; a removed file costs that gitml a rebuild."""
_INDEX_NAME = re.compile(r"index-v[0-9]+\.sqlite")
_started: list[subprocess.Popen[bytes]] = []


def note_write(repo: GitRepo) -> None:
    """Count one write; every ``GC_EVERY`` writes start a housekeeping step in the background."""
    counter = repo.state_dir / "writes"
    try:
        fd = os.open(counter, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, b".")
            # After an O_APPEND write the offset is the end of *this* write, so with
            # concurrent writers each count is seen by exactly one of them.
            count = os.lseek(fd, 0, os.SEEK_CUR)
        finally:
            os.close(fd)
    except OSError:
        return
    if count % GC_EVERY == 0:
        try:
            os.truncate(counter, 0)
        except OSError:
            pass
        start_step(repo.commondir)


def start_step(commondir: Path, module: str = __name__) -> None:
    """Start ``python -m module commondir`` (by default ``housekeep(commondir)``) in a
    detached process, without waiting for it."""
    _reap()
    if not sys.executable:
        return
    package_root = str(Path(__file__).resolve().parents[2])
    path = os.environ.get("PYTHONPATH")
    env = {
        **os.environ,
        "PYTHONPATH": f"{package_root}{os.pathsep}{path}" if path else package_root,
    }
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", module, str(commondir)],
            cwd=commondir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:
        return
    _started.append(proc)


def housekeep(commondir: Path) -> bool:
    """One bounded step (see the module); False when it was skipped: switched off with
    ``gc.auto = 0``, or another step is running."""
    if config_is(commondir, "gc.auto", "0", kind="int"):
        return False
    return guarded_step(commondir, LOCK, LOG, partial(_repack, commondir))


def guarded_step(commondir: Path, lock: str, log: str, step: Callable[[], str | None]) -> bool:
    """Run ``step`` under the lock file ``lock`` of ``.git/gitml``; False, without running
    it, when another process holds that lock. The problem ``step`` returns is left in the
    file ``log`` there, which a step that returns none removes."""
    state = commondir / STATE_DIR
    state.mkdir(exist_ok=True)
    with try_exclusive(state / lock) as held:
        if not held:
            return False
        problem = step()
        if problem is not None:
            with suppress(OSError):
                (state / log).write_text(f"{problem}\n", "utf-8")
        else:
            (state / log).unlink(missing_ok=True)
    return True


def _repack(commondir: Path) -> str | None:
    """``git repack`` as ``REPACK`` says, then the new commits' commit-graph layer where
    ``git gc`` leaves that to housekeeping (``gc.writeCommitGraph = false``), then the
    unused index files; the first failing git command's line, if any."""
    steps: list[tuple[str, ...]] = [REPACK]
    if config_is(commondir, "gc.writeCommitGraph", "false", kind="bool"):
        steps.append((*COMMIT_GRAPH, "--no-progress"))
    try:
        for args in steps:
            proc = run_git(commondir, *args)
            if proc.returncode != 0:
                return f"git {' '.join(args)}: {last_line(proc.stderr)}"
        return None
    finally:
        with suppress(OSError):
            remove_unused_indexes(commondir / STATE_DIR)


def remove_unused_indexes(state: Path, *, now: float | None = None) -> list[str]:
    """Remove the query-index files of other schema versions in ``state`` that nothing has
    written for ``UNUSED_INDEX_S`` and no connection holds (their users lock is free), with
    their companions; the names removed."""
    now = time.time() if now is None else now
    removed: list[str] = []
    for path in sorted(state.glob("index-v*.sqlite")):
        if path.name == INDEX_FILE or not _INDEX_NAME.fullmatch(path.name) or path.is_symlink():
            continue
        written = [p.stat().st_mtime for p in (path, Path(f"{path}-wal")) if p.exists()]
        if not written or now - max(written) < UNUSED_INDEX_S:
            continue
        users = Path(f"{path}{INDEX_USERS_SUFFIX}")
        with try_exclusive(users) as free:
            if not free:
                continue
            for suffix in ("", "-wal", "-shm", ".init"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        users.unlink(missing_ok=True)
        removed.append(path.name)
    return removed


def config_is(commondir: Path, key: str, value: str, *, kind: str) -> bool:
    """Whether git's setting ``key``, read as ``kind`` (``bool``, ``int``), is ``value``."""
    proc = run_git(commondir, "config", f"--type={kind}", "--get", key)
    return proc.returncode == 0 and proc.stdout.strip() == value.encode()


def _reap() -> None:
    """Collect the exit status of earlier steps (no zombies, no ResourceWarning)."""
    _started[:] = [proc for proc in _started if proc.poll() is None]


if __name__ == "__main__":
    housekeep(Path(sys.argv[1]))
