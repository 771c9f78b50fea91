"""The worktree a node's worker process reuses: each member sees exactly its commit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gitml.cluster.trees import member_tree, trees_dir
from gitml.storage.repo import GitRepo, open_repo
from gitml.storage.ship import node_repo, pack_commits, receive_pack
from tests.support.core import git


def _files(tree: Path) -> dict[str, str]:
    """Every file under ``tree`` (but ``.git``) with its content."""
    return {
        p.relative_to(tree).as_posix(): p.read_text()
        for p in tree.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(tree).parts[:1]
    }


def _commit_files(repo: Path, commit: str) -> dict[str, str]:
    names = git(repo, "ls-tree", "-r", "--name-only", commit).splitlines()
    return {name: git(repo, "show", f"{commit}:{name}") for name in names}


def _registered(node: GitRepo) -> list[str]:
    out = git(node.commondir, "worktree", "list", "--porcelain")
    return [line[9:] for line in out.splitlines() if line.startswith("worktree ")][1:]


@pytest.fixture
def shipped(repo_with_commit: Path, tmp_path: Path) -> tuple[GitRepo, Path, str, str]:
    """(the node repository, the source, commit A, commit B) with both commits received."""
    source = repo_with_commit
    (source / ".gitignore").write_text("*.out\n")
    (source / "a.txt").write_text("a at A\n")
    (source / "sub").mkdir()
    (source / "sub" / "b.txt").write_text("b\n")
    git(source, "add", ".")
    git(source, "commit", "-q", "-m", "A")
    first = git(source, "rev-parse", "HEAD").strip()
    (source / "a.txt").write_text("a at B\n")
    git(source, "rm", "-q", "sub/b.txt")
    (source / "c.txt").write_text("c\n")
    git(source, "add", ".")
    git(source, "commit", "-q", "-m", "B")
    second = git(source, "rev-parse", "HEAD").strip()
    node = node_repo(tmp_path / "gitml-ray" / "node.git")
    receive_pack(node, pack_commits(open_repo(source), [first, second]), [first, second])
    return node, source, first, second


def _litter(tree: Path) -> None:
    """What a member may leave: changed, deleted, untracked, ignored and nested files."""
    (tree / "a.txt").write_text("changed by the member\n")
    for tracked in ("sub/b.txt", "c.txt"):  # whichever the commit has
        (tree / tracked).unlink(missing_ok=True)
    (tree / "left.txt").write_text("left\n")
    (tree / "model.out").write_text("ignored output\n")
    (tree / "junk" / "deep").mkdir(parents=True)
    (tree / "junk" / "deep" / "f").write_text("f\n")
    git(tree, "init", "-q", "nested")
    (tree / "nested" / "n.txt").write_text("n\n")


def test_a_member_after_a_member_sees_only_its_own_commit(
    shipped: tuple[GitRepo, Path, str, str],
) -> None:
    node, source, first, second = shipped
    with member_tree(node, first) as tree:
        assert _files(tree) == _commit_files(source, first)
        _litter(tree)
        used = tree
    for commit in (second, first, first):
        with member_tree(node, commit) as tree:
            assert tree == used  # the same worktree, not a new one per member
            assert _files(tree) == _commit_files(source, commit)
            assert git(tree, "rev-parse", "HEAD").strip() == commit
            assert git(tree, "status", "--porcelain", "--ignored").strip() == ""
            _litter(tree)
    assert _registered(node) == [str(used)]


def test_a_worktree_that_cannot_be_reset_is_replaced(
    shipped: tuple[GitRepo, Path, str, str],
) -> None:
    node, source, first, second = shipped
    with member_tree(node, first) as tree:
        _litter(tree)
        broken = tree
    (broken / ".git").write_text("gitdir: /nowhere\n")  # git can no longer reset it
    with member_tree(node, second) as tree:
        assert tree != broken
        assert _files(tree) == _commit_files(source, second)
    assert not broken.exists()
    assert _registered(node) == [str(tree)]


def test_the_worktree_of_a_process_that_died_is_removed(
    shipped: tuple[GitRepo, Path, str, str],
) -> None:
    node, _source, first, _second = shipped
    make = (
        "import sys; from pathlib import Path; from gitml.storage.repo import open_repo; "
        "from gitml.cluster.trees import member_tree\n"
        "with member_tree(open_repo(Path(sys.argv[1])), sys.argv[2]) as tree: print(tree)"
    )
    out = subprocess.run(
        [sys.executable, "-c", make, str(node.commondir), first],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    orphan = Path(out.stdout.strip())
    assert orphan.parent == trees_dir(node)
    assert orphan.is_dir()  # its process has ended without removing it
    with member_tree(node, first) as tree:
        assert not orphan.exists()
        assert _registered(node) == [str(tree)]
