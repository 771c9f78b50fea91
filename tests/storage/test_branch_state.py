"""``branch_state`` gives what ``head`` and ``find_tracking_commit`` give, in one git process.

Each case sets the refs up with the real git and compares the one ``rev-parse`` with the
``symbolic-ref`` and ``for-each-ref`` it replaces, on the same repository.
"""

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
    head,
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


def attached(repo: Path) -> None:
    pass


def on_another_branch(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "feature/x")


def detached(repo: Path) -> None:
    git(repo, "checkout", "-q", "--detach")


def remotes_with_origin(repo: Path) -> None:
    _remotes(repo, "zz", "origin")
    _commit(repo, "newer")
    _remotes(repo, "a-b", "a")


def remotes_without_origin(repo: Path) -> None:
    _remotes(repo, "zz", "a/nested")
    _commit(repo, "newer")
    _remotes(repo, "b", "a-b")
    git(repo, "pack-refs", "--all")  # packed and loose refs sort together
    _commit(repo, "newest")
    _remotes(repo, "a")


def origin_is_a_tag(repo: Path) -> None:
    git(repo, "tag", "-a", "-m", "tag", "v1")
    tag = git(repo, "rev-parse", "v1").strip()
    git(repo, "update-ref", "refs/remotes/origin/main", tag)
    _remotes(repo, "zz")


def a_tag_named_like_the_branch(repo: Path) -> None:
    git(repo, "tag", "main")
    _remotes(repo, "origin")


def a_remote_named_like_the_branch(repo: Path) -> None:
    git(repo, "update-ref", "refs/remotes/main/HEAD", "HEAD")


def a_branch_named_head(repo: Path) -> None:
    git(repo, "update-ref", "refs/heads/HEAD", "HEAD")


def head_on_a_branch_named_head(repo: Path) -> None:
    git(repo, "update-ref", "refs/heads/HEAD", "HEAD")
    git(repo, "symbolic-ref", "HEAD", "refs/heads/HEAD")


def head_through_a_symbolic_branch(repo: Path) -> None:
    git(repo, "symbolic-ref", "refs/heads/alias", "refs/heads/main")
    git(repo, "symbolic-ref", "HEAD", "refs/heads/alias")


CASES: list[Callable[[Path], None]] = [
    attached,
    on_another_branch,
    detached,
    remotes_with_origin,
    remotes_without_origin,
    origin_is_a_tag,
    a_tag_named_like_the_branch,
    a_remote_named_like_the_branch,
    a_branch_named_head,
    head_on_a_branch_named_head,
    head_through_a_symbolic_branch,
]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_branch_state_answers_as_symbolic_ref_and_for_each_ref(
    repo: Path, case: Callable[[Path], None]
) -> None:
    opened = _main_with(repo, case)
    expected = BranchState(*head(opened), find_tracking_commit(opened, "main"))
    assert branch_state(open_repo(repo), "main") == expected


def test_branch_state_before_the_first_commit(repo: Path) -> None:
    git(repo, "symbolic-ref", "HEAD", "refs/heads/main")
    assert branch_state(open_repo(repo), "main") == BranchState(None, None, None)


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
