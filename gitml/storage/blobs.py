"""Reading many blobs: one buffered ``git cat-file --batch`` for bulk reads.

git's delta base cache makes reads in tree order of packs written by gc or fast-import
(blob deltas chained up to 50 deep) fast; a few blobs go through the repository's
long-lived reader instead of a new process. ``blob_sizes`` answers from the object
headers alone, so a reader can refuse a fetched blob over its limit before reading it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from gitml.errors import GitmlError
from gitml.storage.git import GitObject, Sized
from gitml.storage.repo import GitRepo

BULK_MIN = 500


def read_blobs(repo: GitRepo, oids: Sequence[object]) -> Iterator[tuple[str, bytes]]:
    """(oid, content) for every oid, in order."""
    names = [str(oid) for oid in oids]
    found: Iterable[tuple[str, GitObject | None]]
    if len(names) < BULK_MIN:
        found = ((name, repo.odb.read(name)) for name in names)
    else:
        found = repo.odb.reader.iter(names)
    for name, obj in found:
        if obj is None or obj.kind != "blob":
            raise GitmlError(
                f"{repo.gitdir}: object {name} is missing or not a blob; run `git fsck`"
            )
        yield name, obj.data


def blob_sizes(repo: GitRepo, names: Sequence[str]) -> list[int | None]:
    """The size of the blob each name names (an id or ``<rev>:<path>``), from its object
    header (one ``git cat-file --batch-check``), its content unread; None where a name
    names no blob."""
    asked = list(dict.fromkeys(name for name in names if name and "\n" not in name))
    sizes: dict[str, int | None] = {}
    if asked:
        text = repo.git(
            "cat-file", "--batch-check=%(objecttype) %(objectsize)", input="\n".join(asked) + "\n"
        ).stdout
        for name, line in zip(asked, text.splitlines(), strict=True):
            kind, _, size = line.partition(" ")
            sizes[name] = int(size) if kind == "blob" and size.isdigit() else None
    return [sizes.get(name) for name in names]


def read_blobs_within(
    repo: GitRepo, oids: Sequence[str], limits: Sequence[int]
) -> list[tuple[int, bytes | None]]:
    """``(size, content)`` of each blob, the content None when the blob is over its limit
    (never read whole: a few through the long-lived reader, which drains it, many after
    one ``blob_sizes``). A missing object or one that is not a blob raises GitmlError."""
    found: list[Sized | None]
    if len(oids) < BULK_MIN:
        found = repo.odb.reader.read_within(list(oids), list(limits))
    else:
        sizes = blob_sizes(repo, oids)
        wanted = [
            oid
            for oid, size, limit in zip(oids, sizes, limits, strict=True)
            if size is not None and size <= limit
        ]
        contents = dict(read_blobs(repo, wanted))
        found = [
            None if size is None else Sized("blob", size, contents.get(oid))
            for oid, size in zip(oids, sizes, strict=True)
        ]
    out = []
    for oid, sized in zip(oids, found, strict=True):
        if sized is None or sized.kind != "blob":
            raise GitmlError(
                f"{repo.gitdir}: object {oid} is missing or not a blob; run `git fsck`"
            )
        out.append((sized.size, sized.data))
    return out
