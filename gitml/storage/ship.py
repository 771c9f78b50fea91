"""Shipping checkpoints to machines without a clone: the commits and their trees as a pack.

A cluster node has no clone of the user's repository and needs none: a member runs in a
worktree of its checkpoint, which needs the checkpoint commit and every object of its
tree, not the history. ``pack_commits`` packs exactly that (``rev-list --objects
--no-walk``), so what travels is about the size of a shallow clone's checkout. The node
keeps one bare repository (``node_repo``) that receives packs once and marks the
commits shallow, so git never looks for their parents; members run in detached worktrees
of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from gitml.errors import GitmlError
from gitml.storage.filelock import exclusive
from gitml.storage.git import git_output, run_git
from gitml.storage.repo import GitRepo, open_repo


def pack_commits(repo: GitRepo, commits: Sequence[str]) -> bytes:
    """A pack of ``commits`` and every object of their trees (no parents, no history)."""
    listing = git_output(
        repo.workdir_or_gitdir,
        "rev-list", "--objects", "--no-walk", "--stdin",
        input="".join(f"{c}\n" for c in commits).encode(),
    )  # fmt: skip
    names = sorted({line.split(b" ", 1)[0] for line in listing.splitlines() if line})
    return git_output(
        repo.workdir_or_gitdir,
        "pack-objects", "--stdout", "-q",
        input=b"".join(n + b"\n" for n in names),
    )  # fmt: skip


def node_repo(root: Path) -> GitRepo:
    """The bare repository at ``root`` that holds what nodes receive (created once)."""
    root.parent.mkdir(parents=True, exist_ok=True)
    with exclusive(root.parent / f"{root.name}.lock"):
        if not (root / "HEAD").is_file():
            proc = run_git(root.parent, "init", "--bare", "--quiet", root.name)
            if proc.returncode != 0:
                raise GitmlError(f"{root}: cannot create a repository: {proc.stderr.decode()}")
    return open_repo(root)


def has_commits(repo: GitRepo, commits: Sequence[str]) -> bool:
    return all(repo.has_commit(c) for c in commits)


def receive_pack(repo: GitRepo, pack: bytes, commits: Sequence[str]) -> None:
    """Store ``pack`` in ``repo`` and mark its ``commits`` shallow (once; safe at once)."""
    if has_commits(repo, commits):
        return
    gitdir = repo.commondir
    with exclusive(gitdir / "gitml-receive.lock"):
        if has_commits(repo, commits):
            return
        git_output(gitdir, "index-pack", "--stdin", "--keep", input=pack)
        shallow = gitdir / "shallow"
        known = set(shallow.read_text().split()) if shallow.is_file() else set()
        new = [c for c in commits if c not in known]
        with shallow.open("a") as handle:
            handle.writelines(f"{c}\n" for c in new)
    for commit in commits:
        if not repo.has_commit(commit):
            raise GitmlError(f"the shipped pack does not hold commit {commit}")
