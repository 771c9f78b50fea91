"""Hole 8: on a full disk every write path ends in one clear line and exit 1, and nothing
of gitml's lands in the output of the user's command (a real, size-limited tmpfs)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.core import git, gitml_process

FREE_KB = (0, 4, 8, 12, 16, 24, 32, 48, 64, 96)
SPAM = (
    "import sys, gitml\n"
    "print('USER-START', file=sys.stderr, flush=True)\n"
    "for i in range(60000):\n"
    "    gitml.log_metric('loss', i * 0.5, step=i)\n"
    "print('USER-END', file=sys.stderr, flush=True)\n"
)


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    """An 8 MiB tmpfs mounted for this test (root only; skipped where mounting is refused)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no mount command here")
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs to fill ({proc.stderr.strip() or 'not permitted'})")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def gitml(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return gitml_process(*args, cwd=repo, timeout=180)


def fill(disk: Path, free_kb: int) -> None:
    """Leave about ``free_kb`` KiB free on ``disk``."""
    stats = os.statvfs(disk)
    size = stats.f_bavail * stats.f_frsize - free_kb * 1024
    with open(disk / "filler", "wb") as fh:
        if size > 0:
            fh.truncate(0)
            fh.write(b"\0" * size)


def fresh(disk: Path, setup: Callable[[Path], None]) -> Path:
    for child in disk.iterdir():
        if child.is_dir():
            shutil.rmtree(child)
        else:
            child.unlink()
    repo = disk / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    git(repo, "commit", "-q", "--allow-empty", "-m", "init")
    setup(repo)
    return repo


def assert_one_line_or_success(result: subprocess.CompletedProcess[str], what: str) -> bool:
    """True when ``result`` failed the way a full disk must fail: one line, exit 1."""
    assert "Traceback" not in result.stderr, (what, result.stderr)
    assert "unexpected error" not in result.stderr, (what, result.stderr)
    if result.returncode == 0:
        return False
    assert result.returncode == 1, (what, result.stderr)
    gitml_lines = [line for line in result.stderr.splitlines() if not line.startswith("USER-")]
    assert len(gitml_lines) == 1, (what, result.stderr)
    assert gitml_lines[0].startswith("error: "), (what, result.stderr)
    return True


def probe(disk: Path, setup: Callable[[Path], None], *args: str) -> int:
    """Run ``git ml ARGS`` at each fill level; returns how many levels failed."""
    failed = 0
    for free in FREE_KB:
        repo = fresh(disk, setup)
        fill(disk, free)
        failed += assert_one_line_or_success(gitml(repo, *args), f"{args} at {free} KiB free")
    return failed


def data_folder(repo: Path) -> None:
    (repo / "d").mkdir()
    for i in range(6):
        (repo / "d" / f"f{i}").write_bytes(os.urandom(3000))


def test_data_add_on_a_full_disk(disk: Path) -> None:
    assert probe(disk, data_folder, "data", "add", "d") >= 3


def test_data_checkout_and_pull_on_a_full_disk(disk: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"

    def added_and_removed(repo: Path) -> None:
        store.mkdir(exist_ok=True)
        data_folder(repo)
        assert gitml(repo, "data", "remote", "add", "s", str(store), "--default").returncode == 0
        assert gitml(repo, "data", "add", "d").returncode == 0
        assert gitml(repo, "data", "push").returncode == 0
        shutil.rmtree(repo / "d")
        shutil.rmtree(repo / ".git" / "gitml" / "cache")

    assert probe(disk, added_and_removed, "data", "pull") >= 3
    assert probe(disk, added_and_removed, "data", "checkout") >= 3


def test_run_on_a_full_disk_keeps_gitml_out_of_the_commands_output(disk: Path) -> None:
    def project(repo: Path) -> None:
        (repo / "train.py").write_text(SPAM)

    failed = ran_unrecorded = 0
    for free in FREE_KB:
        repo = fresh(disk, project)
        fill(disk, free)
        result = gitml(repo, "run", "--", sys.executable, "train.py")
        failed += assert_one_line_or_success(result, f"run at {free} KiB free")
        if "USER-START" in result.stderr:  # the command ran: its output is its own
            start = result.stderr.index("USER-START")
            end = result.stderr.index("USER-END")
            assert "gitml" not in result.stderr[start:end].lower(), result.stderr
            assert "Exception ignored" not in result.stderr
            if result.returncode == 1:
                assert "but run" in result.stderr
                assert "was not recorded" in result.stderr
                ran_unrecorded += 1
    assert failed >= 5
    assert ran_unrecorded >= 1, "no fill level let the command run and then failed the record"


def test_the_error_names_the_cause_and_the_fix(disk: Path) -> None:
    repo = fresh(disk, data_folder)
    fill(disk, 0)
    result = gitml(repo, "data", "add", "d")
    assert result.returncode == 1
    assert "No space left on device; free some space and run again" in result.stderr
