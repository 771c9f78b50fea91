"""The remotes' copy of the default branch, as the registry's trust judgement reads it: found
as ``git for-each-ref`` finds it, without asking git where no remote ref can exist, and
never a branch of a remote that only ends in the default branch's name."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from gitml.storage.repo import GitRepo, open_repo
from gitml.storage.tracked import (
    BranchState,
    branch_state,
    find_tracking_commit,
    has_remote_refs,
)
from tests.support.core import git


def _commit(repo: Path, message: str) -> str:
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def _main_with(repo: Path, case: Callable[[Path], None]) -> GitRepo:
    """``repo`` on a branch ``main`` of one commit, then set up as ``case`` does."""
    git(repo, "checkout", "-q", "-b", "main")
    _commit(repo, "first")
    case(repo)
    return open_repo(repo)


def _remotes(repo: Path, *names: str) -> None:
    for name in names:
        git(repo, "update-ref", f"refs/remotes/{name}/main", "HEAD")


def test_a_branch_named_like_the_default_one_level_down_is_not_the_remotes_copy(
    repo: Path,
) -> None:
    """``refs/remotes/up/evil/main`` is a branch ``evil/main`` anyone who may push a branch
    can make; it is not remote ``up``'s copy of ``main``, which the registry log is judged
    against. (``git rev-parse --glob``'s ``*`` crosses slashes and sorts it first.)"""
    good = _main_with(repo, lambda r: _remotes(r, "up")).head_commit()
    evil = _commit(repo, "not on main")
    git(repo, "update-ref", "refs/remotes/up/evil/main", evil)
    git(repo, "checkout", "-q", "--detach", str(good))
    state = branch_state(open_repo(repo), "main")
    assert state == BranchState(good, None, good)


def _for_each_ref(repo: Path) -> str | None:
    out = git(repo, "for-each-ref", "--count=1", "--format=%(objectname)", "refs/remotes/*/main")
    return out.strip() or None


def no_remote_at_all(repo: Path) -> None:
    pass


def loose_remote_refs(repo: Path) -> None:
    _remotes(repo, "zz", "a")


def packed_remote_refs(repo: Path) -> None:
    _remotes(repo, "zz")
    git(repo, "pack-refs", "--all")
    for folder in sorted((repo / ".git" / "refs" / "remotes").rglob("*"), reverse=True):
        folder.rmdir()  # the empty folders pack-refs leaves
    (repo / ".git" / "refs" / "remotes").rmdir()


def another_branch_of_a_remote(repo: Path) -> None:
    git(repo, "update-ref", "refs/remotes/up/other", "HEAD")


def packed_tags_only(repo: Path) -> None:
    git(repo, "tag", "v1")
    git(repo, "pack-refs", "--all")


TRACKING_CASES: list[Callable[[Path], None]] = [
    no_remote_at_all,
    loose_remote_refs,
    packed_remote_refs,
    another_branch_of_a_remote,
    packed_tags_only,
]


@pytest.mark.parametrize("case", TRACKING_CASES, ids=[c.__name__ for c in TRACKING_CASES])
def test_the_remotes_copy_is_found_as_for_each_ref_finds_it(
    repo: Path, case: Callable[[Path], None]
) -> None:
    """Looking for refs under ``refs/remotes`` before asking git leaves out none git lists."""
    opened = _main_with(repo, case)
    assert find_tracking_commit(opened, "main") == _for_each_ref(repo)
    assert has_remote_refs(open_repo(repo)) == (case not in (no_remote_at_all, packed_tags_only))


def test_a_worktree_sees_the_remote_refs_of_its_repository(repo: Path, tmp_path: Path) -> None:
    _main_with(repo, packed_remote_refs)
    git(repo, "worktree", "add", "-q", "--detach", str(tmp_path / "wt"))
    assert find_tracking_commit(open_repo(tmp_path / "wt"), "main") == _for_each_ref(repo)
    assert _for_each_ref(repo) is not None
