"""Looking paths up in trees, building trees from a base plus path changes, diffing trees."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from gitml.storage.git import GitFailed, end_input, git_output, start_git
from gitml.storage.odb import (
    EMPTY_TREE,
    MODE_BLOB,
    MODE_COMMIT,
    MODE_TREE,
    ObjectDB,
    Tree,
    TreeEntry,
)

__all__ = [
    "EMPTY_TREE",
    "apply_changes",
    "commit_tree",
    "diff_leaves",
    "diff_trees",
    "list_blobs",
    "listed_blob_batches",
    "read_blob",
    "tree_entry",
]


def tree_entry(odb: ObjectDB, tree: Tree | None, path: str) -> TreeEntry | None:
    """The entry at ``path`` inside ``tree``, or ``None``."""
    if tree is None:
        return None
    *folders, name = path.split("/")
    for folder in folders:
        entry = tree.get(folder)
        if entry is None or not entry.is_tree:
            return None
        tree = odb.tree(entry.oid)
    return tree.get(name)


def subtree(odb: ObjectDB, tree: Tree | None, path: str) -> Tree | None:
    """The tree at ``path`` (``tree`` itself for ``""``), or ``None``."""
    if not path:
        return tree
    entry = tree_entry(odb, tree, path)
    return odb.tree(entry.oid) if entry is not None and entry.is_tree else None


def read_blob(odb: ObjectDB, tree: Tree | None, path: str) -> bytes | None:
    entry = tree_entry(odb, tree, path)
    if entry is None or entry.kind != "blob":
        return None
    return odb.blob(entry.oid)


Change = str | TreeEntry | None  # a blob id (a plain file), an entry, or a removal


def apply_changes(odb: ObjectDB, base: Tree | None, changes: Mapping[str, Change]) -> str:
    """Write the tree ``base`` with ``changes`` applied (``None`` removes a path).

    Only the trees along changed paths are rebuilt; empty trees are pruned.
    """
    return _apply(odb, base, changes)[0]


def _apply(odb: ObjectDB, base: Tree | None, changes: Mapping[str, Change]) -> tuple[str, int]:
    """(tree id, number of entries): the count spares reading the new tree back."""
    groups: dict[str, dict[str, Change]] = {}
    leaves: dict[str, Change] = {}
    for path, oid in changes.items():
        head, sep, rest = path.partition("/")
        if sep:
            groups.setdefault(head, {})[rest] = oid
        else:
            leaves[head] = oid
    entries = dict(base.entries) if base is not None else {}
    for name, oid in leaves.items():
        if oid is None:
            entries.pop(name, None)
        elif isinstance(oid, TreeEntry):
            entries[name] = TreeEntry(name, oid.mode, oid.oid)
        else:
            entries[name] = TreeEntry(name, MODE_BLOB, oid)
    for name, sub in groups.items():
        existing = entries.get(name)
        sub_base = odb.tree(existing.oid) if existing is not None and existing.is_tree else None
        new_sub, size = _apply(odb, sub_base, sub)
        if size == 0:
            entries.pop(name, None)
        else:
            entries[name] = TreeEntry(name, MODE_TREE, new_sub)
    return odb.write_tree(entries.values()), len(entries)


def commit_tree(odb: ObjectDB, commit_id: str | None) -> Tree:
    """The tree of a commit; the empty tree for ``None``."""
    if commit_id is None:
        return odb.tree(EMPTY_TREE)
    return odb.tree(odb.commit(str(commit_id)).tree)


Leaf = tuple[str, str]
"""A tree entry that is not a tree: (object id, file mode)."""


def diff_leaves(
    odb: ObjectDB, old: Tree | None, new: Tree | None, base: str = ""
) -> Iterator[tuple[str, Leaf | None, Leaf | None]]:
    """(path, old leaf, new leaf) of every non-tree entry that differs (id or mode).

    Subtrees with the same id on both sides are skipped without being read, so the cost
    follows the size of the change, not of the trees. A path that is a tree on one side
    and a leaf on the other yields both the leaf and every leaf of the tree.
    """
    old_entries = old.entries if old is not None else {}
    new_entries = new.entries if new is not None else {}
    for name in sorted(old_entries.keys() | new_entries.keys()):
        a, b = old_entries.get(name), new_entries.get(name)
        if a is not None and b is not None and a.oid == b.oid and a.mode == b.mode:
            continue
        path = f"{base}/{name}" if base else name
        a_tree = a is not None and a.is_tree
        b_tree = b is not None and b.is_tree
        if a_tree or b_tree:
            yield from diff_leaves(
                odb,
                odb.tree(a.oid) if a is not None and a_tree else None,
                odb.tree(b.oid) if b is not None and b_tree else None,
                path,
            )
        a_leaf = (a.oid, a.mode) if a is not None and not a_tree else None
        b_leaf = (b.oid, b.mode) if b is not None and not b_tree else None
        if a_leaf is not None or b_leaf is not None:
            yield path, a_leaf, b_leaf


def diff_trees(
    odb: ObjectDB, old: Tree | None, new: Tree | None
) -> Iterator[tuple[str, str | None, str | None]]:
    """(path, old blob, new blob) of every blob that differs; ``None`` where absent.

    Gitlinks hold nothing readable and are left out (``gitml.storage.audit`` refuses them).
    """
    for path, a, b in diff_leaves(odb, old, new):
        a_blob = a[0] if a is not None and a[1] != MODE_COMMIT else None
        b_blob = b[0] if b is not None and b[1] != MODE_COMMIT else None
        if a_blob is not None or b_blob is not None:
            yield path, a_blob, b_blob


_BLOB_ENTRY = r"(?:^|(?<=\0))[0-7]+ blob ([0-9a-f]+)\t([^\0]*)\0"
"""One blob entry of ``git ls-tree -r -z`` (mode, type, id, tab, path, NUL), found only
where an entry starts, so no path can pass for an entry."""


def list_blobs(gitdir: Path, commit: str) -> list[tuple[str, str]]:
    """(path, blob id) of every blob in ``commit``'s tree (what ``diff_trees`` from the
    empty tree yields), listed by one ``git ls-tree -r`` and read by one regular expression
    (a rebuild and a snapshot check list every record)."""
    listing = os.fsdecode(git_output(gitdir, "ls-tree", "-r", "-z", "--full-tree", commit))
    return [(path, oid) for oid, path in re.findall(_BLOB_ENTRY, listing)]


LISTING_BATCH = 1 << 20
"""Bytes of ``git ls-tree`` output read at a time by ``listed_blob_batches``."""


def listed_blob_batches(gitdir: Path, commit: str) -> Iterator[list[tuple[str, str]]]:
    """(blob id, path) of every blob in ``commit``'s tree, in batches of about
    ``LISTING_BATCH`` bytes of one streamed ``git ls-tree -r``: a listing of a million
    records is never held whole. GitFailed, after the last batch, when git fails."""
    proc = start_git(gitdir, "ls-tree", "-r", "-z", "--full-tree", commit)
    end_input(proc)
    assert proc.stdout is not None
    rest = b""
    try:
        while chunk := proc.stdout.read(LISTING_BATCH):
            buffer = rest + chunk
            cut = buffer.rfind(b"\0") + 1
            rest = buffer[cut:]
            if cut:
                yield re.findall(_BLOB_ENTRY, os.fsdecode(buffer[:cut]))
    finally:
        proc.stdout.close()
        code = proc.wait()
    if rest or code != 0:
        raise GitFailed(f"`git ls-tree -r` of {commit[:12]} failed (exit {code})")
