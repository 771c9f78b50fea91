"""Reading many blobs fast: ``git cat-file --batch`` for bulk reads, pygit2 for a few.

Packs written by git (gc, fast-import) chain blob deltas up to 50 deep; libgit2 resolves
each chain from scratch for reads in tree order (100k records: ~10 s), while git's delta
base cache makes the same read ~3x faster.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator, Sequence

import pygit2

from gitml.errors import GitmlError
from gitml.storage.repo import GitRepo

BULK_MIN = 500


def read_blobs(repo: GitRepo, oids: Sequence[pygit2.Oid]) -> Iterator[tuple[pygit2.Oid, bytes]]:
    """(oid, content) for every oid, in order."""
    if len(oids) < BULK_MIN:
        raw = repo.raw
        for oid in oids:
            yield oid, raw[oid].read_raw()
        return
    yield from _cat_file(repo, oids)


def _cat_file(repo: GitRepo, oids: Sequence[pygit2.Oid]) -> Iterator[tuple[pygit2.Oid, bytes]]:
    proc = subprocess.Popen(
        ["git", "--git-dir", str(repo.commondir), "cat-file", "--batch", "--buffer"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    stdin, stdout = proc.stdin, proc.stdout

    def feed() -> None:
        try:
            for start in range(0, len(oids), 1000):
                stdin.write("".join(f"{oid}\n" for oid in oids[start : start + 1000]).encode())
            stdin.close()
        except OSError:  # the reader stopped early
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        for oid in oids:
            header = stdout.readline().split()
            if len(header) != 3 or header[1] != b"blob":
                raise GitmlError(
                    f"{repo.gitdir}: object {oid} is missing or not a blob; run `git fsck`"
                )
            size = int(header[2])
            data = stdout.read(size + 1)
            yield oid, data[:size]
    finally:
        proc.kill()
        proc.wait()
        writer.join()
        stdout.close()
