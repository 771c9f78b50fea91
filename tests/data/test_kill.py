"""``git ml data add`` killed with SIGKILL mid-hash or mid-copy leaves no corrupt object."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from gitml.objects.cache import Cache
from gitml.objects.digest import hash_file
from tests.support.core import cli, git

FILES = 160
SIZE = 512 << 10


def _cache(repo: Path) -> Path:
    return repo / ".git" / "gitml" / "cache"


def _stamped(repo: Path) -> bool:
    return (repo / ".git" / "gitml" / "statcache.stamp").exists()


def _copying(repo: Path) -> bool:
    temp = _cache(repo) / "tmp"
    return temp.is_dir() and any(temp.iterdir())


def _kill_when(repo: Path, ready: Callable[[Path], bool], limit: float = 20.0) -> bool:
    """Start ``data add`` and SIGKILL it once ``ready``; returns whether it was still running."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen(
        [sys.executable, "-m", "gitml", "data", "add", "data", "--link", "copy"],
        cwd=repo,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + limit
    while proc.poll() is None and not ready(repo) and time.monotonic() < deadline:
        time.sleep(0.0005)
    running = proc.poll() is None
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return running


def _every_object_intact(repo: Path) -> int:
    cache = Cache(_cache(repo))
    digests = list(cache.iter_digests())
    for digest in digests:
        assert hash_file(cache.path_of(digest)) == digest
    return len(digests)


@pytest.fixture
def big_repo(in_repo: Path) -> Path:
    data = in_repo / "data"
    data.mkdir()
    for i in range(FILES):
        (data / f"part-{i:03d}.bin").write_bytes(os.urandom(SIZE))
    return in_repo


def test_sigkill_mid_hash_and_mid_copy_then_add_completes(big_repo: Path) -> None:
    mid_hash = _kill_when(big_repo, _stamped)
    _every_object_intact(big_repo)
    mid_copy = _kill_when(big_repo, _copying)
    assert mid_hash or mid_copy, "the add finished before it could be killed"
    _every_object_intact(big_repo)
    if mid_copy:
        assert not (big_repo / ".gitml" / "data" / "data.toml").exists()
        assert git(big_repo, "for-each-ref", "refs/gitml/") == ""
    result = cli("data", "add", "data", "--link", "copy")
    assert result.exit_code == 0, result
    assert _every_object_intact(big_repo) == FILES + 2  # files, manifest and listing
    assert cli("data", "status").stdout == "data (data): clean\n"
    git(big_repo, "fsck", "--strict")
    expected = {p.name: hash_file(p) for p in (big_repo / "data").iterdir()}
    for path in (big_repo / "data").iterdir():
        path.unlink()
    assert cli("data", "checkout").exit_code == 0
    assert {p.name: hash_file(p) for p in (big_repo / "data").iterdir()} == expected
