"""Code checkpoints (gitml/storage/worktree.py), checked with the git CLI as the oracle."""

from __future__ import annotations

import os
from pathlib import Path

from gitml.storage.repo import open_repo
from gitml.storage.worktree import create_checkpoint, diffstat
from tests.support.core import git

LIMIT = 1_000_000


def snapshot_state(repo: Path) -> tuple[str, str, bytes]:
    """HEAD, porcelain status and the index file's bytes."""
    git(repo, "status", "--porcelain")  # let git refresh its index stat data first
    return (
        git(repo, "rev-parse", "HEAD"),
        git(repo, "status", "--porcelain=v2", "--untracked-files=all"),
        (repo / ".git" / "index").read_bytes(),
    )


def test_clean_tree_reuses_head(repo_with_commit: Path) -> None:
    cp = create_checkpoint(open_repo(repo_with_commit), max_file_bytes=LIMIT)
    head = git(repo_with_commit, "rev-parse", "HEAD").strip()
    assert (cp.commit, cp.checkpoint, cp.dirty, cp.untracked) == (head, head, False, ())
    assert cp.branch == "main"


def test_dirty_tree_is_committed_without_touching_index_head_or_files(
    repo_with_commit: Path,
) -> None:
    repo = repo_with_commit
    (repo / "keep.txt").write_text("old\n")
    (repo / "gone.txt").write_text("bye\n")
    (repo / "run.sh").write_text("#!/bin/sh\n")
    os.chmod(repo / "run.sh", 0o755)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "more")
    (repo / "README.md").write_text("edited\n")
    (repo / "staged.txt").write_text("staged\n")
    git(repo, "add", "staged.txt")
    (repo / "new_script.py").write_text("print('new')\n")
    (repo / "sub").mkdir()
    (repo / "sub" / "deep.txt").write_bytes(b"\x00binary\xff")
    (repo / "gone.txt").unlink()
    (repo / "link").symlink_to("keep.txt")
    (repo / ".gitignore").write_text("*.log\n")
    (repo / "noise.log").write_text("ignored\n")
    (repo / "big.bin").write_bytes(b"x" * 2048)
    before = snapshot_state(repo)
    worktree_before = {
        p: p.read_bytes() for p in repo.rglob("*") if ".git" not in p.parts and p.is_file()
    }

    cp = create_checkpoint(open_repo(repo), max_file_bytes=1024)

    assert snapshot_state(repo) == before
    assert {p: p.read_bytes() for p in worktree_before} == worktree_before
    assert cp.dirty
    assert cp.checkpoint != cp.commit
    assert git(repo, "rev-parse", f"{cp.checkpoint}^").strip() == cp.commit
    assert set(cp.untracked) == {".gitignore", "link", "new_script.py", "sub/deep.txt"}
    assert set(cp.modified) == {"README.md", "gone.txt", "staged.txt"}
    assert [(s.path, s.reason.split(" (")[0]) for s in cp.skipped] == [
        ("big.bin", "larger than the limit")
    ]
    files = set(git(repo, "ls-tree", "-r", "--name-only", cp.checkpoint).split())
    assert files == {
        ".gitignore",
        "README.md",
        "keep.txt",
        "link",
        "new_script.py",
        "run.sh",
        "staged.txt",
        "sub/deep.txt",
    }
    assert git(repo, "show", f"{cp.checkpoint}:README.md") == "edited\n"
    modes = {
        line.split("\t")[1]: line.split()[0]
        for line in git(repo, "ls-tree", "-r", cp.checkpoint).splitlines()
    }
    assert modes["run.sh"] == "100755"
    assert modes["link"] == "120000"
    assert cp.diffstat.files == 7
    git(repo, "fsck", "--strict")


def test_checkout_of_checkpoint_reproduces_exact_bytes(
    repo_with_commit: Path, tmp_path: Path
) -> None:
    repo = repo_with_commit
    (repo / "README.md").write_bytes(b"edited\r\nwith crlf\n")
    (repo / "new.py").write_bytes(bytes(range(256)))
    cp = create_checkpoint(open_repo(repo), max_file_bytes=LIMIT)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    git(clone, "fetch", "-q", str(repo), cp.checkpoint)
    git(clone, "checkout", "-q", cp.checkpoint)
    assert (clone / "README.md").read_bytes() == b"edited\r\nwith crlf\n"
    assert (clone / "new.py").read_bytes() == bytes(range(256))


def test_changes_that_cancel_out_reuse_head(repo_with_commit: Path) -> None:
    repo = repo_with_commit
    (repo / "huge.bin").write_bytes(b"x" * 100)
    cp = create_checkpoint(open_repo(repo), max_file_bytes=10)
    assert cp.checkpoint == cp.commit
    assert [s.path for s in cp.skipped] == ["huge.bin"]


def test_excluded_paths_are_listed_as_data(repo_with_commit: Path) -> None:
    repo = repo_with_commit
    (repo / "data.csv").write_text("a\n")
    cp = create_checkpoint(
        open_repo(repo), max_file_bytes=LIMIT, exclude=lambda p: p.endswith(".csv")
    )
    assert [(s.path, s.reason) for s in cp.skipped] == [("data.csv", "data tracked by gitml")]


def test_diffstat_counts_lines(repo_with_commit: Path) -> None:
    repo = repo_with_commit
    a = git(repo, "rev-parse", "HEAD").strip()
    (repo / "README.md").write_text("hello\nworld\n")
    git(repo, "commit", "-q", "-am", "two")
    b = git(repo, "rev-parse", "HEAD").strip()
    stat = diffstat(open_repo(repo), a, b)
    assert (stat.files, stat.insertions, stat.deletions, stat.paths) == (1, 1, 0, ("README.md",))
    assert diffstat(open_repo(repo), b, b).files == 0
