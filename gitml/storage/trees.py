"""Building trees from a base tree plus a set of path changes."""

from __future__ import annotations

from collections.abc import Mapping

import pygit2

BLOB = pygit2.enums.FileMode.BLOB
TREE = pygit2.enums.FileMode.TREE
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


def tree_entry(tree: pygit2.Tree | None, path: str) -> pygit2.Object | None:
    """The object at ``path`` inside ``tree``, or ``None``."""
    if tree is None:
        return None
    try:
        return tree[path]
    except KeyError:
        return None


def read_blob(tree: pygit2.Tree | None, path: str) -> bytes | None:
    obj = tree_entry(tree, path)
    if isinstance(obj, pygit2.Blob):
        return obj.data
    return None


def apply_changes(
    repo: pygit2.Repository, base: pygit2.Tree | None, changes: Mapping[str, pygit2.Oid | None]
) -> pygit2.Oid:
    """Write the tree ``base`` with ``changes`` applied (``None`` removes a path).

    Only the trees along changed paths are rebuilt; empty trees are pruned.
    """
    return _apply(repo, base, changes)[0]


def _apply(
    repo: pygit2.Repository, base: pygit2.Tree | None, changes: Mapping[str, pygit2.Oid | None]
) -> tuple[pygit2.Oid, int]:
    """(tree id, number of entries): the count spares reading the new tree back."""
    groups: dict[str, dict[str, pygit2.Oid | None]] = {}
    leaves: dict[str, pygit2.Oid | None] = {}
    for path, oid in changes.items():
        head, sep, rest = path.partition("/")
        if sep:
            groups.setdefault(head, {})[rest] = oid
        else:
            leaves[head] = oid
    builder = repo.TreeBuilder(base) if base is not None else repo.TreeBuilder()
    for name, oid in leaves.items():
        if oid is None:
            if builder.get(name) is not None:
                builder.remove(name)
        else:
            builder.insert(name, oid, BLOB)
    for name, sub in groups.items():
        existing = builder.get(name)
        sub_base = (
            repo[existing.id] if existing is not None and existing.type_str == "tree" else None
        )
        assert sub_base is None or isinstance(sub_base, pygit2.Tree)
        new_sub, size = _apply(repo, sub_base, sub)
        if size == 0:
            if existing is not None:
                builder.remove(name)
        else:
            builder.insert(name, new_sub, TREE)
    return builder.write(), len(builder)


def commit_tree(repo: pygit2.Repository, commit_id: pygit2.Oid | None) -> pygit2.Tree:
    """The tree of a commit; the empty tree for ``None``."""
    if commit_id is None:
        # libgit2 knows the empty tree without it being stored: nothing to write.
        return repo[EMPTY_TREE].peel(pygit2.Tree)
    return repo[commit_id].peel(pygit2.Tree)
