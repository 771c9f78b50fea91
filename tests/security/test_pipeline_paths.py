"""``git ml repro`` removes and restores stage outputs only where the path guard allows:
never through a committed link into ``.git``."""

from __future__ import annotations

from pathlib import Path

from tests.security.forge import listing
from tests.support.core import git
from tests.support.pipelines import cli_in, write


def test_output_below_a_link_into_dot_git_is_neither_removed_nor_written(
    repo_with_commit: Path,
) -> None:
    (repo_with_commit / "sub").symlink_to(".git")
    write(
        repo_with_commit, {"dvc.yaml": "stages:\n  s:\n    cmd: echo x\n    outs: [sub/objects]\n"}
    )
    git(repo_with_commit, "add", "sub", "dvc.yaml")
    git(repo_with_commit, "commit", "-q", "-m", "pipeline")
    before = listing(repo_with_commit / ".git" / "objects")
    result = cli_in(repo_with_commit, "repro")
    assert result.exit_code == 1, result
    # Listing the output to hash it refuses the link first (``objects.ingest``); the
    # pipeline's own path guard stands behind it.
    assert "'sub/objects' is a symlink to" in result.stderr
    assert "inside git's own files (.git)" in result.stderr
    assert listing(repo_with_commit / ".git" / "objects") == before
    git(repo_with_commit, "fsck", "--strict")  # raises unless git finds the repository sound
