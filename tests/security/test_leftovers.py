"""Hole 7: what killed gitml processes leave behind goes at the next ``data add`` or
``git ml run``, and nothing of a live process is touched (real processes, real SIGKILL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gitml.data.workspace import open_workspace
from gitml.objects import leftovers
from tests.data.test_kill import _kill_when
from tests.support.core import cli, git

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
HOLD_TEMP = """
import sys, time
from pathlib import Path
from gitml.objects.fileio import create_temp
fd, path = create_temp(Path(sys.argv[1]), "0" * 32)
print(path, flush=True)
time.sleep(120)
"""


def state(repo: Path) -> Path:
    return repo / ".git" / "gitml"


def temp_files(repo: Path) -> list[Path]:
    folder = state(repo) / "cache" / "tmp"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def wait_for(predicate: object, limit: float = 30.0) -> None:
    deadline = time.monotonic() + limit
    while not predicate() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.002)


def kill_add_mid_copy(repo: Path) -> bool:
    """A real ``data add`` SIGKILLed once it has temporary files in the cache."""
    return _kill_when(repo, lambda r: len(temp_files(r)) > 5)


@pytest.fixture
def big(in_repo: Path) -> Path:
    (in_repo / "data").mkdir()
    for i in range(200):
        (in_repo / "data" / f"part-{i:03d}.bin").write_bytes(os.urandom(256 << 10))
    return in_repo


def test_the_next_data_add_removes_what_killed_adds_left(big: Path) -> None:
    killed = sum(kill_add_mid_copy(big) for _ in range(3))
    left = temp_files(big)
    if not killed or not left:
        pytest.skip("every data add finished before it could be killed mid-copy")
    assert all(leftovers.is_leftover(p.name) for p in left)
    (big / "small.txt").write_text("x\n")
    result = cli("data", "add", "small.txt")
    assert result.exit_code == 0, result
    assert temp_files(big) == []


def test_a_live_writers_temporary_file_is_kept_until_it_dies(in_repo: Path) -> None:
    folder = state(in_repo) / "cache" / "tmp"
    folder.mkdir(parents=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_TEMP, str(folder)], env=ENV, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        held = Path(holder.stdout.readline().strip())
        assert held.exists()
        assert not leftovers.is_leftover(held.name)
        (in_repo / "a.txt").write_text("a\n")
        assert cli("data", "add", "a.txt").exit_code == 0
        assert cli("run", "--", sys.executable, "-c", "pass").exit_code == 0
        assert held.exists()  # its writer is alive: never touched
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert leftovers.is_leftover(held.name)
    assert cli("run", "--", sys.executable, "-c", "pass").exit_code == 0
    assert not held.exists()


def spools(repo: Path) -> list[Path]:
    folder = state(repo) / "spool"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def gitml_run(repo: Path, script: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "gitml", "run", "--", sys.executable, "-c", script],
        cwd=repo,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_spool_of_a_killed_run_goes_and_a_live_runs_stays(in_repo: Path, tmp_path: Path) -> None:
    started = tmp_path / "started"
    script = f"import os, pathlib, time; pathlib.Path({str(started)!r}).write_text(str(os.getpid())); time.sleep(60)"
    victim = gitml_run(in_repo, script)
    wait_for(lambda: started.exists() and started.read_text())
    orphan = int(started.read_text())
    (dead_spool,) = spools(in_repo)
    victim.send_signal(signal.SIGKILL)  # gitml dies; its command lives on in its own group
    victim.wait()
    live = gitml_run(in_repo, "import time; time.sleep(60)")
    try:
        wait_for(lambda: len(spools(in_repo)) == 2)
        (live_spool,) = [p for p in spools(in_repo) if p != dead_spool]
        assert cli("run", "--", sys.executable, "-c", "pass").exit_code == 0
        assert spools(in_repo) == [live_spool]
    finally:
        live.send_signal(signal.SIGTERM)  # gitml forwards it to its command and records
        live.wait(timeout=60)
        os.kill(orphan, signal.SIGKILL)
    assert spools(in_repo) == []


def test_reused_pid_and_foreign_tags(tmp_path: Path) -> None:
    pid, place, start = leftovers.owner_tag().split("-")
    parent = os.getppid()
    parent_start = leftovers._start_time(parent)
    assert parent_start is not None
    ours = f".x.{parent}-{place}-{parent_start[0]}.{'a' * 12}.tmp"
    reused = f".x.{parent}-{place}-{parent_start[0] + 1}.{'a' * 12}.tmp"
    foreign = f".x.{parent}-{'0' * 8 if place != '0' * 8 else '1' * 8}-1.{'a' * 12}.tmp"
    untagged = ".x.123.tmp"
    assert not leftovers.is_leftover(ours)  # the parent is alive and is that process
    assert leftovers.is_leftover(reused)  # that PID now belongs to another process
    assert not leftovers.is_leftover(foreign)  # another host or container: not ours to judge
    assert not leftovers.is_leftover(untagged)
    assert int(pid) == os.getpid()
    assert int(start) > 0


def test_cache_location_matches_the_workspace(in_repo: Path) -> None:
    ws = open_workspace(in_repo)
    assert ws.cache.temp_dir == ws.commondir / "gitml" / "cache" / "tmp"


def test_a_killed_checkouts_temporary_file_is_not_data(in_repo: Path) -> None:
    (in_repo / "data").mkdir()
    (in_repo / "data" / "a.csv").write_text("a\n1\n")
    assert cli("data", "add", "data").exit_code == 0
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    place = leftovers.owner_tag().split("-")[1]
    stray = in_repo / "data" / f".a.csv.{dead.pid}-{place}-1.{'b' * 12}.tmp"
    stray.write_text("half a file")
    status = cli("data", "status")
    assert status.exit_code == 0, status
    assert status.stdout == "data (data): clean\n", status
    assert not stray.exists()
    git(in_repo, "status", "--porcelain")


def test_object_scratch_of_a_gone_writer_goes_once_it_is_old(in_repo: Path) -> None:
    scratch = state(in_repo) / "tmp"
    scratch.mkdir(parents=True)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    old = time.time() - 2 * leftovers.SCRATCH_AGE
    files = {
        "gone-old": scratch / f"obj-{dead.pid}-1",
        "gone-new": scratch / f"obj-{dead.pid}-2",
        "live-old": scratch / f"obj-{os.getppid()}-3",
    }
    for path in files.values():
        path.write_bytes(b"blob 0\0")
    for key in ("gone-old", "live-old"):
        os.utime(files[key], (old, old))
    assert cli("run", "--", sys.executable, "-c", "pass").exit_code == 0
    assert not files["gone-old"].exists()
    assert files["gone-new"].exists()  # may still be on its way into git, from anywhere
    assert files["live-old"].exists()  # its writer runs
