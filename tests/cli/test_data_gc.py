"""``git ml data gc`` keeps what refs, recent commits, work trees and runs use."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from gitml.objects.digest import hash_bytes
from tests.cli.test_data import commit_all, ok, write
from tests.support.core import cli, git


def cached(repo: Path, data: bytes) -> bool:
    hex32 = hash_bytes(data).hex
    return (repo / ".git" / "gitml" / "cache" / hex32[:2] / hex32[2:]).is_file()


def test_gc_is_a_dry_run_until_yes(in_repo: Path) -> None:
    write(in_repo / "data" / "a.txt", b"version one")
    ok("data", "add", "data")
    commit_all(in_repo, "v1")
    write(in_repo / "data" / "a.txt", b"version two")
    ok("data", "add", "data")
    commit_all(in_repo, "v2")
    write(in_repo / "data" / "a.txt", b"never committed")
    ok("data", "add", "data")
    git(in_repo, "checkout", "--", ".gitml")  # the pointer change is discarded
    report = json.loads(ok("data", "gc", "--json"))
    assert report["removable"] == 0  # v1, v2 (recent commits) and the recent record stay
    assert json.loads(ok("data", "gc", "--keep-days", "0", "--json"))["removable"] == 6
    assert cached(in_repo, b"version one")
    assert "would remove 6 object(s)" in ok("data", "gc", "--keep-days", "0")
    ok("data", "gc", "--keep-days", "0", "--yes")
    assert not cached(in_repo, b"version one")
    assert not cached(in_repo, b"never committed")
    assert cached(in_repo, b"version two")
    # the work tree still holds the discarded version, which is now in no cache
    assert "modified: data/a.txt" in ok("data", "status")
    assert cli("data", "checkout").exit_code == 1
    ok("data", "checkout", "--force")
    assert (in_repo / "data" / "a.txt").read_bytes() == b"version two"
    assert cached(in_repo, b"never committed")


def test_gc_keeps_data_of_branch_tips_and_runs(in_repo: Path) -> None:
    write(in_repo / "data" / "a.txt", b"on a branch")
    ok("data", "add", "data")
    commit_all(in_repo, "branch data")
    git(in_repo, "branch", "side")
    write(in_repo / "data" / "a.txt", b"on main")
    ok("data", "add", "data")
    commit_all(in_repo, "main data")
    assert (
        cli(
            "run",
            "-o",
            "out.bin",
            "--",
            sys.executable,
            "-c",
            "open('out.bin','wb').write(b'run output')",
        ).exit_code
        == 0
    )
    ok("data", "gc", "--keep-days", "0", "--yes")
    assert cached(in_repo, b"on a branch")
    assert cached(in_repo, b"on main")
    assert cached(in_repo, b"run output")


def test_gc_stops_when_a_kept_version_is_unknown(in_repo: Path) -> None:
    write(in_repo / "data" / "a.txt", b"a")
    ok("data", "add", "data")
    pointer = in_repo / ".gitml" / "data" / "data.toml"
    digest = pointer.read_text().split('manifest = "')[1].split('"')[0]
    pointer.write_text(pointer.read_text().replace(digest, "xxh3-128:" + "1" * 32))
    result = cli("data", "gc", "--yes")
    assert result.exit_code == 1
    assert "gc stopped" in result.stderr
    assert cached(in_repo, b"a")


def _gc_under_a_lowered_listing_limit(repo: Path) -> str:
    """``data.max_listing_mb`` lowered to 1 KiB, then ``data gc --yes``, which must fail
    naming the setting; its stderr."""
    config = repo / ".gitml" / "config.toml"
    text = config.read_text() if config.exists() else 'schema = "gitml/config/1"\n'
    write(config, (text + "\n[data]\nmax_listing_mb = 0.001\n").encode())
    result = cli("data", "gc", "--keep-days", "0", "--yes")
    assert result.exit_code == 1, result
    assert "data.max_listing_mb" in result.stderr
    return result.stderr


def test_gc_stops_rather_than_drop_a_version_whose_file_list_is_over_the_limit(
    in_repo: Path,
) -> None:
    """A version a run read, whose file list is over ``data.max_listing_mb`` now (the limit
    was lowered, or an older gitml added it), is not taken for a plain object: gc stops,
    naming the setting, and every file of the version stays in the cache."""
    for i in range(40):
        write(in_repo / "data" / f"{i:04d}.txt", f"file {i}\n".encode())
    ok("data", "add", "data")
    commit_all(in_repo, "data")
    assert cli("run", "-i", "data", "--", sys.executable, "-c", "pass").exit_code == 0
    git(in_repo, "rm", "-q", ".gitml/data/data.toml")
    git(in_repo, "commit", "-q", "-m", "the run alone uses the version now")
    stderr = _gc_under_a_lowered_listing_limit(in_repo)
    assert stderr.startswith("error: the file list of dataset 'data' version ")
    assert all(cached(in_repo, f"file {i}\n".encode()) for i in range(40))


def test_gc_reads_no_run_output_file_list_past_the_limit(in_repo: Path) -> None:
    """A run's folder output whose file list is over ``data.max_listing_mb`` (lowered to
    bound what gitml reads whole) is not read past it by gc, as a dataset version's is not:
    gc stops, naming the setting, and every file of the output stays in the cache."""
    for i in range(40):
        write(in_repo / "out" / f"{i:04d}.txt", f"output {i}\n".encode())
    assert cli("run", "-o", "out", "--", sys.executable, "-c", "pass").exit_code == 0
    stderr = _gc_under_a_lowered_listing_limit(in_repo)
    assert "\n" not in stderr.strip()
    assert all(cached(in_repo, f"output {i}\n".encode()) for i in range(40))
