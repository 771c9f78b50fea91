"""Code checkpoints: a commit of the working tree that leaves index, HEAD and files alone.

The checkpoint starts from HEAD's tree in a private in-memory index and adds every
changed tracked file and every untracked file that is not ignored, so ``git checkout
<checkpoint>`` reproduces what a run saw. Files above a size limit and paths the caller
excludes (data tracked by gitml) are left out and listed. A clean tree reuses HEAD.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pygit2

from gitml.errors import GitmlError
from gitml.storage.repo import GitRepo

_FS = pygit2.enums.FileStatus
_UNTRACKED = _FS.WT_NEW
_DELETED = _FS.WT_DELETED | _FS.INDEX_DELETED
_MODE_BLOB = pygit2.enums.FileMode.BLOB
_MODE_EXEC = pygit2.enums.FileMode.BLOB_EXECUTABLE
_MODE_LINK = pygit2.enums.FileMode.LINK
_MODE_COMMIT = pygit2.enums.FileMode.COMMIT


@dataclass(frozen=True)
class Skipped:
    """A working-tree file the checkpoint left out, and why."""

    path: str
    reason: str


@dataclass(frozen=True)
class DiffStat:
    files: int = 0
    insertions: int = 0
    deletions: int = 0
    paths: tuple[str, ...] = ()


@dataclass(frozen=True)
class Checkpoint:
    """What a run's code was: HEAD, the checkpoint commit and what differs."""

    commit: str
    checkpoint: str
    branch: str | None
    dirty: bool
    untracked: tuple[str, ...] = ()
    modified: tuple[str, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    diffstat: DiffStat = field(default_factory=DiffStat)


def head_info(repo: GitRepo) -> tuple[str, str | None]:
    """(HEAD commit, branch name or None when detached); needs at least one commit."""
    repo.require_commits()
    raw = repo.raw
    branch = None if raw.head_is_detached else raw.head.shorthand
    return str(raw.head.target), branch


def current_branch(repo: GitRepo) -> str | None:
    """The checked-out branch; None when HEAD is detached or unborn."""
    raw = repo.raw
    if raw.head_is_unborn or raw.head_is_detached:
        return None
    return str(raw.head.shorthand)


def _blob_for(
    raw: pygit2.Repository, workdir: Path, path: str, max_bytes: int
) -> tuple[pygit2.Oid, pygit2.enums.FileMode] | Skipped | None:
    """Blob id and mode of a working-tree file; Skipped when too large; None when gone."""
    full = workdir / path
    try:
        st = full.lstat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        return Skipped(path, f"unreadable ({exc.strerror})")
    if stat.S_ISLNK(st.st_mode):
        return raw.create_blob(os.fsencode(full.readlink())), _MODE_LINK
    if not stat.S_ISREG(st.st_mode):
        return Skipped(path, "not a regular file")
    if st.st_size > max_bytes:
        return Skipped(path, f"larger than the limit ({st.st_size / 1e6:.1f} MB)")
    try:
        oid = raw.create_blob_fromworkdir(path)
    except (pygit2.GitError, OSError) as exc:
        return Skipped(path, f"unreadable ({exc})")
    mode = _MODE_EXEC if st.st_mode & stat.S_IXUSR else _MODE_BLOB
    return oid, mode


def create_checkpoint(
    repo: GitRepo,
    *,
    max_file_bytes: int,
    exclude: Callable[[str], bool] | None = None,
    message: str = "gitml checkpoint",
) -> Checkpoint:
    """Commit the working tree (tracked changes + untracked, not ignored) without side effects."""
    head, branch = head_info(repo)
    raw = repo.raw
    try:
        status = raw.status(untracked_files="all", ignored=False)
    except pygit2.GitError as exc:
        raise GitmlError(f"cannot read the working tree status: {exc}") from None
    if not status:
        return Checkpoint(head, head, branch, False)
    workdir = repo.workdir
    head_commit = raw[head].peel(pygit2.Commit)
    index = pygit2.Index()
    index.read_tree(head_commit.tree)
    untracked: list[str] = []
    modified: list[str] = []
    skipped: list[Skipped] = []
    for path, flags in sorted(status.items()):
        if path.endswith("/"):
            skipped.append(Skipped(path.rstrip("/"), "nested git repository"))
            continue
        if exclude is not None and exclude(path):
            skipped.append(Skipped(path, "data tracked by gitml"))
            continue
        existing = index[path] if path in index else None  # noqa: SIM401 - Index has no get()
        if existing is not None and existing.mode == _MODE_COMMIT:
            continue
        found = _blob_for(raw, workdir, path, max_file_bytes)
        if isinstance(found, Skipped):
            skipped.append(found)
            continue
        if found is None:
            if existing is not None or flags & _DELETED:
                if existing is not None:
                    index.remove(path)
                modified.append(path)
            continue
        oid, mode = found
        index.add(pygit2.IndexEntry(path, oid, mode))
        (untracked if flags & _UNTRACKED and existing is None else modified).append(path)
    tree = index.write_tree(raw)
    dirty = bool(untracked or modified)
    if tree == head_commit.tree_id:
        return Checkpoint(head, head, branch, dirty, skipped=tuple(skipped))
    signature = repo.signature()
    commit = raw.create_commit(None, signature, signature, message, tree, [head_commit.id])
    return Checkpoint(
        commit=head,
        checkpoint=str(commit),
        branch=branch,
        dirty=dirty,
        untracked=tuple(untracked),
        modified=tuple(modified),
        skipped=tuple(skipped),
        diffstat=diffstat(repo, head, str(commit)),
    )


def checkpoint_with_files(
    repo: GitRepo, base: Checkpoint, files: Mapping[str, bytes], *, message: str
) -> Checkpoint:
    """``base`` with ``files`` (work-tree paths -> content) written into its checkpoint.

    The code of a run whose params files gitml rewrote for ``-S``: HEAD, branch and what
    the user had changed (``dirty``, modified, untracked) stay those of ``base``; only the
    checkpoint commit (parent HEAD) and its diffstat take the rewritten files.
    """
    raw = repo.raw
    start = raw[base.checkpoint].peel(pygit2.Commit)
    index = pygit2.Index()
    index.read_tree(start.tree)
    for path, data in files.items():
        mode = index[path].mode if path in index else _MODE_BLOB
        index.add(pygit2.IndexEntry(path, raw.create_blob(data), mode))
    tree = index.write_tree(raw)
    if tree == start.tree_id:
        return base
    signature = repo.signature()
    head = raw[base.commit].peel(pygit2.Commit)
    commit = str(raw.create_commit(None, signature, signature, message, tree, [head.id]))
    return replace(base, checkpoint=commit, diffstat=diffstat(repo, base.commit, commit))


def diffstat(repo: GitRepo, old: str, new: str) -> DiffStat:
    """Files, insertions and deletions between two commits (and the changed paths)."""
    raw = repo.raw
    try:
        a = raw.revparse_single(old).peel(pygit2.Tree)
        b = raw.revparse_single(new).peel(pygit2.Tree)
    except (KeyError, ValueError, pygit2.GitError) as exc:
        raise GitmlError(f"cannot compare commits {old} and {new}: {exc}") from None
    if a.id == b.id:
        return DiffStat()
    diff = a.diff_to_tree(b)
    stats = diff.stats
    paths = tuple(
        d.new_file.path if d.status_char() != "D" else d.old_file.path for d in diff.deltas
    )
    return DiffStat(stats.files_changed, stats.insertions, stats.deletions, paths)


def add_worktree(repo: GitRepo, path: Path, commit: str) -> GitRepo:
    """A detached temporary worktree of ``commit`` at ``path`` (opened)."""
    from gitml.storage.repo import open_repo

    repo.git("worktree", "add", "--detach", "--quiet", str(path), commit)
    return open_repo(path)


def remove_worktree(repo: GitRepo, path: Path) -> None:
    """Remove a temporary worktree (files and registration), even if it has changes."""
    repo.git("worktree", "remove", "--force", str(path), check=False)
    if path.exists():
        import shutil

        shutil.rmtree(path, ignore_errors=True)
    repo.git("worktree", "prune", check=False)


def worktree_paths(repo: GitRepo) -> Sequence[str]:
    """Registered worktree folders (the main one first)."""
    out = repo.git("worktree", "list", "--porcelain").stdout
    return [line[9:] for line in out.splitlines() if line.startswith("worktree ")]
