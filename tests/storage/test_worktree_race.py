"""Temporary worktrees added and removed by many processes at once on one repository."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from tests.support.core import git


def _cycle(gitdir: str, commit: str, folder: str, worker: int, rounds: int) -> str:
    from gitml.errors import GitmlError
    from gitml.storage.repo import open_repo
    from gitml.storage.worktree import add_worktree, remove_worktree

    repo = open_repo(Path(gitdir))
    for i in range(rounds):
        path = Path(folder) / f"w{worker}-{i}"
        try:
            added = add_worktree(repo, path, commit)
            if not (added.workdir / "README").is_file():
                return f"{path}: checkout incomplete"
        except GitmlError as exc:
            return str(exc)
        finally:
            remove_worktree(repo, path)
    return ""


def test_processes_adding_and_pruning_worktrees_at_once_never_fail(
    repo_with_commit: Path, tmp_path: Path
) -> None:
    (repo_with_commit / "README").write_text("x\n")
    git(repo_with_commit, "add", "README")
    git(repo_with_commit, "commit", "-q", "-m", "readme")
    commit = git(repo_with_commit, "rev-parse", "HEAD").strip()
    folder = tmp_path / "trees"
    folder.mkdir()
    context = multiprocessing.get_context("spawn")
    with context.Pool(6) as pool:
        args = [(str(repo_with_commit), commit, str(folder), w, 30) for w in range(6)]
        failures = [f for f in pool.starmap(_cycle, args) if f]
    assert failures == []
    assert git(repo_with_commit, "worktree", "list", "--porcelain").count("worktree ") == 1
