"""History questions answered by reading commits agree with git's own answers."""

from __future__ import annotations

import subprocess
from itertools import product
from pathlib import Path

from gitml.storage.audit import _new_commits
from gitml.storage.history import WALK_LIMIT, is_ancestor, linear_range
from gitml.storage.repo import open_repo
from tests.support.core import git


def commit(repo: Path, message: str) -> str:
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


def graph(repo: Path) -> dict[str, str]:
    """A line, a side branch merged back, a line past the walk limit, an unrelated root."""
    shas = {"root": git(repo, "rev-parse", "HEAD").strip()}
    for n in range(3):
        shas[f"line{n}"] = commit(repo, f"line {n}")
    git(repo, "switch", "-q", "-c", "side", shas["line0"])
    shas["side"] = commit(repo, "side")
    git(repo, "switch", "-q", "-")
    git(repo, "merge", "-q", "--no-ff", "-m", "merge side", "side")
    shas["merge"] = git(repo, "rev-parse", "HEAD").strip()
    shas["after"] = commit(repo, "after the merge")
    for n in range(WALK_LIMIT + 3):
        shas["far"] = commit(repo, f"far {n}")
    git(repo, "switch", "-q", "--orphan", "other")
    shas["other"] = commit(repo, "unrelated")
    return shas


def test_is_ancestor_and_new_commits_agree_with_git(repo_with_commit: Path) -> None:
    shas = graph(repo_with_commit)
    repo = open_repo(repo_with_commit)
    for (a_name, a), (d_name, d) in product(shas.items(), repeat=2):
        said = subprocess.run(
            ["git", "merge-base", "--is-ancestor", a, d], cwd=repo_with_commit, check=False
        )
        assert is_ancestor(repo, a, d) == (said.returncode == 0), (a_name, d_name)
        listed = git(repo_with_commit, "rev-list", "--topo-order", d, f"^{a}").split()
        assert list(_new_commits(repo, d, [a])) == listed, (d_name, a_name)


def test_a_range_is_read_only_when_it_is_a_short_line(repo_with_commit: Path) -> None:
    shas = graph(repo_with_commit)
    repo = open_repo(repo_with_commit)
    assert linear_range(repo, shas["line2"], shas["line0"]) == [shas["line2"], shas["line1"]]
    assert linear_range(repo, shas["line2"], shas["line2"]) == []
    assert linear_range(repo, shas["after"], shas["line2"]) is None  # through a merge
    assert linear_range(repo, shas["far"], shas["after"]) is None  # longer than the limit
    assert linear_range(repo, shas["other"], shas["line0"]) is None  # never reaches it


def test_shallow_and_grafted_parents_are_gits_not_the_stored_ones(
    repo_with_commit: Path,
) -> None:
    repo_dir = repo_with_commit
    shas = graph(repo_dir)
    line = [shas["root"], shas["line0"], shas["line1"], shas["line2"]]
    grafts = repo_dir / ".git" / "info" / "grafts"
    cut = {
        # git stops at a shallow commit although its parent's object is here
        "shallow": (repo_dir / ".git" / "shallow", f"{shas['line1']}\n"),
        # git walks line1's grafted parent (an unrelated root) instead of line0
        "grafts": (grafts, f"{shas['line1']} {shas['other']}\n"),
    }
    for name, (path, text) in cut.items():
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
        try:
            repo = open_repo(repo_dir)
            for a, d in product(line, repeat=2):
                said = subprocess.run(
                    ["git", "merge-base", "--is-ancestor", a, d], cwd=repo_dir, check=False
                )
                assert is_ancestor(repo, a, d) == (said.returncode == 0), (name, a, d)
                listed = git(repo_dir, "rev-list", "--topo-order", d, f"^{a}").split()
                assert list(_new_commits(repo, d, [a])) == listed, (name, a, d)
        finally:
            path.unlink()
