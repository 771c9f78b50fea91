"""Building trees from a base tree plus a set of path changes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

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


Leaf = tuple[pygit2.Oid, int]
"""A tree entry that is not a tree: (object id, file mode)."""
GITLINK = pygit2.enums.FileMode.COMMIT


def diff_leaves(
    repo: pygit2.Repository, old: pygit2.Tree | None, new: pygit2.Tree | None, base: str = ""
) -> Iterator[tuple[str, Leaf | None, Leaf | None]]:
    """(path, old leaf, new leaf) of every non-tree entry that differs (id or mode).

    Subtrees with the same id on both sides are skipped without being read, so the cost
    follows the size of the change, not of the trees (libgit2's tree diff, as pygit2
    exposes it, reads every subtree: ~90 ms for one new record among 100k). A path that
    is a tree on one side and a leaf on the other yields both the leaf and every leaf of
    the tree.
    """
    old_entries = {str(entry.name): entry for entry in old} if old is not None else {}
    new_entries = {str(entry.name): entry for entry in new} if new is not None else {}
    for name in sorted(old_entries.keys() | new_entries.keys()):
        a, b = old_entries.get(name), new_entries.get(name)
        if a is not None and b is not None and a.id == b.id and a.filemode == b.filemode:
            continue
        path = f"{base}/{name}" if base else name
        a_tree = a is not None and a.type_str == "tree"
        b_tree = b is not None and b.type_str == "tree"
        if a_tree or b_tree:
            yield from diff_leaves(
                repo,
                repo[a.id].peel(pygit2.Tree) if a is not None and a_tree else None,
                repo[b.id].peel(pygit2.Tree) if b is not None and b_tree else None,
                path,
            )
        a_leaf = (a.id, a.filemode) if a is not None and not a_tree else None
        b_leaf = (b.id, b.filemode) if b is not None and not b_tree else None
        if a_leaf is not None or b_leaf is not None:
            yield path, a_leaf, b_leaf


def diff_trees(
    repo: pygit2.Repository, old: pygit2.Tree | None, new: pygit2.Tree | None
) -> Iterator[tuple[str, pygit2.Oid | None, pygit2.Oid | None]]:
    """(path, old blob, new blob) of every blob that differs; ``None`` where absent.

    Gitlinks hold nothing readable and are left out (``gitml.storage.audit`` refuses them).
    """
    for path, a, b in diff_leaves(repo, old, new):
        a_blob = a[0] if a is not None and a[1] != GITLINK else None
        b_blob = b[0] if b is not None and b[1] != GITLINK else None
        if a_blob is not None or b_blob is not None:
            yield path, a_blob, b_blob
