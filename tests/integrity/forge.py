"""What an attacker with push access does to gitml's refs, done with plain git plumbing."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from tests.support.core import git

REGULAR = "100644"
GITLINK = "160000"
SYMLINK = "120000"


def blob(repo: Path, data: bytes | str) -> str:
    """Write ``data`` as a blob; its id."""
    scratch = repo / ".git" / "forge-blob"
    scratch.write_bytes(data.encode() if isinstance(data, str) else data)
    try:
        return git(repo, "hash-object", "-w", str(scratch)).strip()
    finally:
        scratch.unlink()


def forge_commit(
    repo: Path,
    base: str | None,
    *,
    add: Mapping[str, bytes | str] | None = None,
    remove: Sequence[str] = (),
    entries: Mapping[str, tuple[str, str]] | None = None,
    parents: Sequence[str] | None = None,
    message: str = "hand edit",
    env: Mapping[str, str] | None = None,
) -> str:
    """A commit whose tree is ``base``'s tree with files added or removed (no ref moves).

    ``entries`` adds raw ``path -> (mode, object id)`` entries (gitlinks, symlinks);
    ``parents`` defaults to ``[base]``.
    """
    index = {"GIT_INDEX_FILE": str(repo / ".git" / "forge-index")}
    if base:
        git(repo, "read-tree", base, env=index)
    else:
        git(repo, "read-tree", "--empty", env=index)
    for path in remove:
        git(repo, "rm", "-q", "-r", "--cached", path, env=index)
    for path, data in (add or {}).items():
        oid = blob(repo, data)
        git(repo, "update-index", "--add", "--cacheinfo", f"{REGULAR},{oid},{path}", env=index)
    for path, (mode, oid) in (entries or {}).items():
        git(repo, "update-index", "--add", "--cacheinfo", f"{mode},{oid},{path}", env=index)
    tree = git(repo, "write-tree", env=index).strip()
    os.unlink(repo / ".git" / "forge-index")
    args = ["commit-tree", tree, "-m", message]
    for parent in parents if parents is not None else ([base] if base else []):
        args += ["-p", parent]
    return git(repo, *args, env=dict(env or {})).strip()


def show(repo: Path, spec: str) -> str:
    return git(repo, "show", spec)


def push_forced(repo: Path, commit: str, ref: str, remote: str = "origin") -> None:
    """Put ``commit`` at ``ref`` on the remote, whatever was there (as a force push does)."""
    git(repo, "push", "-q", "--no-verify", remote, f"+{commit}:{ref}")


def fetch_gitml(repo: Path, remote: str = "origin") -> None:
    """The attacker's own copy of the remote's gitml refs."""
    git(repo, "fetch", "-q", remote, "+refs/gitml/*:refs/gitml/*")
