"""A tracked file's history on a branch, and commits of one file change built in memory.

(Revisions, ancestry and merge bases in general are in ``gitml.storage.history``.)

``file_changes`` walks the first-parent history of a branch (what the branch itself did:
merges, direct commits), newest first until told to stop, and returns the commits that
changed one path. ``commit_file`` builds a commit of a single file change on top of a
parent without touching the work tree or the index; ``create_branch`` and
``advance_branch`` publish it (the latter by compare-and-swap).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import NamedTuple

from gitml.atomic import write_atomic
from gitml.errors import GitmlError, RecordNotFound, RefConflict, UnsupportedRepository
from gitml.storage.odb import Commit, Signature, Tree
from gitml.storage.refs import read_ref, update_ref
from gitml.storage.repo import GitRepo
from gitml.storage.trees import apply_changes, read_blob, tree_entry


class Person(NamedTuple):
    name: str
    email: str
    time: datetime


class FileChange(NamedTuple):
    """One first-parent commit that changed the file (``old``/``new``: content or None)."""

    commit: str
    parents: tuple[str, ...]
    old: bytes | None
    new: bytes | None
    author: Person
    committer: Person
    message: str


def _when(sig: Signature) -> datetime:
    return datetime.fromtimestamp(sig.time, timezone(timedelta(minutes=sig.offset)))


def person(sig: Signature) -> Person:
    return Person(sig.name, sig.email, _when(sig))


def _commit(repo: GitRepo, sha: str) -> Commit:
    try:
        return repo.odb.commit(str(sha))
    except KeyError:
        if repo.is_shallow:
            raise UnsupportedRepository(
                f"{repo.workdir_or_gitdir}: commit {sha} is beyond this shallow clone's history; "
                "run `git fetch --unshallow` (in CI: fetch-depth: 0) and try again"
            ) from None
        raise RecordNotFound(f"commit {sha} is not in this repository") from None


def find_branch_commit(repo: GitRepo, branch: str) -> str | None:
    oid = read_ref(repo, f"refs/heads/{branch}")
    return str(oid) if oid is not None else None


def find_tracking_commit(repo: GitRepo, branch: str) -> str | None:
    """``branch`` as a remote has it (``refs/remotes/origin/<branch>`` first), or None."""
    found = read_ref(repo, f"refs/remotes/origin/{branch}")
    if found is not None:
        return str(found)
    if not has_remote_refs(repo):
        return None
    listed = repo.git(
        "for-each-ref",
        "--count=1",
        "--format=%(objectname)",
        f"refs/remotes/*/{branch}",
        check=False,
    ).stdout.split()
    return listed[0] if listed else None


def has_remote_refs(repo: GitRepo) -> bool:
    """Whether any ref under ``refs/remotes/`` may exist; False only when none can.

    Refs are files (``open_repo`` refuses other ref storage), and ``refs/remotes`` is
    shared by all worktrees: loose ones under ``<common dir>/refs/remotes``, the others in
    ``packed-refs``, a line ``<id> refs/remotes/...`` each. Without either, a repository
    that never had a remote spares the ``for-each-ref`` that would list nothing.
    """
    if os.path.lexists(repo.commondir / "refs" / "remotes"):
        return True
    try:
        packed = (repo.commondir / "packed-refs").read_bytes()
    except FileNotFoundError:
        return False
    except OSError:
        return True
    return b" refs/remotes/" in packed


def current_branch(repo: GitRepo) -> str | None:
    """The checked-out branch; None when HEAD is detached or unborn."""
    proc = repo.git("symbolic-ref", "--quiet", "--short", "HEAD", check=False)
    if proc.returncode != 0 or repo.head_commit() is None:
        return None
    return proc.stdout.strip() or None


def head(repo: GitRepo) -> tuple[str | None, str | None]:
    """(HEAD commit or None when unborn, branch or None when detached)."""
    commit = repo.head_commit()
    if commit is None:
        return None, None
    return commit, current_branch(repo)


class BranchState(NamedTuple):
    """HEAD and the remotes' copy of one branch: ``head``'s two answers and
    ``find_tracking_commit``'s, read once for a command that needs them in several places."""

    commit: str | None
    checked_out: str | None
    tracking: str | None


def branch_state(repo: GitRepo, branch: str) -> BranchState:
    """HEAD's commit and branch, and ``branch`` as a remote has it."""
    return BranchState(*head(repo), find_tracking_commit(repo, branch))


def _tree(repo: GitRepo, commit: Commit) -> Tree:
    return repo.odb.tree(commit.tree)


def read_file_at(repo: GitRepo, commit: str, path: str) -> bytes | None:
    return read_blob(repo.odb, _tree(repo, _commit(repo, commit)), path)


def _blob_id(repo: GitRepo, commit: Commit, path: str) -> str | None:
    entry = tree_entry(repo.odb, _tree(repo, commit), path)
    return entry.oid if entry is not None and entry.kind == "blob" else None


def file_changes(
    repo: GitRepo, tip: str, path: str, *, stop: Callable[[str], bool] | None = None
) -> list[FileChange]:
    """Commits on ``tip``'s first-parent line that changed ``path``, oldest first.

    The walk goes back from ``tip`` and ends before the first commit for which ``stop``
    returns true (it is not included), or at the root.
    """
    odb = repo.odb
    found: list[FileChange] = []
    shallow = repo.shallow_commits()
    commit = _commit(repo, tip)
    while True:
        sha = commit.oid
        if stop is not None and stop(sha):
            break
        if sha in shallow:
            raise UnsupportedRepository(
                f"{repo.workdir_or_gitdir}: the history of {path} goes beyond this shallow "
                f"clone's history (commit {sha[:12]}); run `git fetch --unshallow` (in CI: "
                "fetch-depth: 0, or `git ml fetch --ci`) and try again"
            )
        parent = _commit(repo, commit.parents[0]) if commit.parents else None
        new_id, old_id = _ids(repo, commit, parent, path)
        if new_id != old_id:
            found.append(
                FileChange(
                    commit=sha,
                    parents=commit.parents,
                    old=odb.blob(old_id) if old_id is not None else None,
                    new=odb.blob(new_id) if new_id is not None else None,
                    author=person(commit.author),
                    committer=person(commit.committer),
                    message=commit.message,
                )
            )
        if parent is None:
            break
        commit = parent
    found.reverse()
    return found


def first_parent_line(
    repo: GitRepo, tip: str, *, stop: Callable[[str], bool]
) -> tuple[list[tuple[str, tuple[str, ...]]], bool]:
    """(sha, parents) of ``tip``'s first-parent line after the newest commit ``stop``
    accepts, oldest first, and whether such a commit was found (False: back to the root)."""
    out: list[tuple[str, tuple[str, ...]]] = []
    shallow = repo.shallow_commits()
    commit = _commit(repo, tip)
    while True:
        sha = commit.oid
        if stop(sha):
            out.reverse()
            return out, True
        if sha in shallow:
            raise UnsupportedRepository(
                f"{repo.workdir_or_gitdir}: the history since the last applied change goes "
                f"beyond this shallow clone's history (commit {sha[:12]}); run `git fetch "
                "--unshallow` (in CI: fetch-depth: 0, or `git ml fetch --ci`) and try again"
            )
        out.append((sha, commit.parents))
        if not commit.parents:
            out.reverse()
            return out, False
        commit = _commit(repo, commit.parents[0])


def _ids(
    repo: GitRepo, commit: Commit, parent: Commit | None, path: str
) -> tuple[str | None, str | None]:
    """The blob ids of ``path`` in ``commit`` and in its first parent ``parent``."""
    old = _blob_id(repo, parent, path) if parent is not None else None
    return _blob_id(repo, commit, path), old


def changed_path(repo: GitRepo, sha: str, path: str) -> bool:
    """Whether commit ``sha`` changed ``path`` against its first parent (or added it)."""
    commit = _commit(repo, sha)
    parent = _commit(repo, commit.parents[0]) if commit.parents else None
    new, old = _ids(repo, commit, parent, path)
    return new != old


def last_change(
    repo: GitRepo, start: str, path: str, *, until: str | None = None, limit: int = 500
) -> tuple[str, Person] | None:
    """The newest commit on ``start``'s first-parent line that changed ``path``.

    The walk stops at ``until`` (excluded; e.g. the merge base) or after ``limit`` commits.
    """
    commit = _commit(repo, start)
    for _ in range(limit):
        if until is not None and commit.oid == until:
            return None
        parent = _commit(repo, commit.parents[0]) if commit.parents else None
        new, old = _ids(repo, commit, parent, path)
        if new != old:
            return commit.oid, person(commit.author)
        if parent is None:
            return None
        commit = parent
    return None


def commit_file(repo: GitRepo, parent: str, path: str, data: bytes, message: str) -> str:
    """A new commit: ``parent`` with ``path`` set to ``data`` (no ref, index or file touched)."""
    odb = repo.odb
    base = _commit(repo, parent)
    tree = apply_changes(odb, _tree(repo, base), {path: odb.write_blob(data)})
    signature = repo.signature()
    return odb.write_commit(tree, [base.oid], message, author=signature, committer=signature)


# Bytes no ref name may hold anywhere: controls, DEL, space, ``~ ^ : \`` and the glob
# characters ``? * [`` (allowed only in refspec patterns, which this check is not for).
_FORBIDDEN = frozenset(range(0x20)) | frozenset(b"\x7f ~^:\\?*[")
_LOCK_SUFFIX = b".lock"


def _valid_component(part: bytes) -> bool:
    """One slash-separated component: not empty, no leading dot, no ``.lock`` ending."""
    return bool(part) and not part.startswith(b".") and not part.endswith(_LOCK_SUFFIX)


def valid_ref_name(name: str) -> bool:
    """Whether ``git check-ref-format NAME`` accepts ``name`` (a full ref name such as
    ``refs/heads/x``), answered without starting git: ``check_refname_format`` of git's
    ``refs.c`` byte for byte (``tests/storage/test_refnames.py`` asks git itself)."""
    raw = os.fsencode(name)
    if raw == b"@" or b".." in raw or b"@{" in raw or raw.endswith(b"."):
        return False
    if not _FORBIDDEN.isdisjoint(raw):
        return False
    parts = raw.split(b"/")
    return len(parts) >= 2 and all(_valid_component(part) for part in parts)


def create_branch(repo: GitRepo, name: str, commit: str) -> str:
    """Create ``refs/heads/<name>`` at ``commit``; refuses an existing branch."""
    ref = f"refs/heads/{name}"
    if not valid_ref_name(ref):
        raise GitmlError(
            f"{name!r} is not a valid branch name; pass another with --branch-name NAME"
        )
    if read_ref(repo, ref) is not None:
        raise GitmlError(
            f"branch {name!r} already exists; delete it (`git branch -D {name}`) or pass "
            "--branch-name OTHER-NAME"
        )
    try:
        update_ref(repo, ref, commit, None, f"gitml: create {name}")
    except RefConflict:
        raise GitmlError(
            f"branch {name!r} appeared meanwhile; pass --branch-name OTHER-NAME"
        ) from None
    return ref


def advance_branch(repo: GitRepo, branch: str, new: str, expected: str, message: str) -> None:
    """Move ``refs/heads/<branch>`` from ``expected`` to ``new`` (compare-and-swap)."""
    ref = f"refs/heads/{branch}"
    update_ref(repo, ref, new, expected, message)


def path_is_clean(repo: GitRepo, path: str) -> bool:
    """True when ``path`` has no staged or unstaged change against HEAD."""
    proc = repo.git("status", "--porcelain", "--no-renames", "--", path, check=False)
    return proc.returncode != 0 or not proc.stdout.strip()


def sync_worktree_file(repo: GitRepo, path: str, data: bytes) -> None:
    """Write ``path`` in the work tree and stage exactly that content (after a commit of it)."""
    write_atomic(repo.workdir / path, data)
    repo.git("update-index", "--add", "--", path)
