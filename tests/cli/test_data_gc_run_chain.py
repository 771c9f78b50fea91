"""``git ml data gc`` when a run reads what an earlier run wrote (``-i`` of an ``-o``)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_data_gc import cached
from tests.support.core import cli


def ok(*args: str) -> str:
    result = cli(*args)
    assert result.exit_code == 0, result
    return result.stdout


def test_gc_keeps_a_run_input_that_is_an_earlier_runs_output(in_repo: Path) -> None:
    ok("run", "-n", "a", "-o", "out.txt", "--", "sh", "-c", "echo data > out.txt")
    ok("run", "-n", "b", "-i", "out.txt", "--", "cat", "out.txt")
    report = json.loads(ok("data", "gc", "--keep-days", "0", "--json"))
    assert report["removable"] == 0
    ok("data", "gc", "--keep-days", "0", "--yes")
    assert cached(in_repo, b"data\n")


def test_gc_keeps_the_files_of_a_folder_input(in_repo: Path) -> None:
    ok("run", "-n", "a", "-o", "out", "--", "sh", "-c", "mkdir out && echo one > out/1.txt")
    ok("run", "-n", "b", "-i", "out", "--", "ls", "out")
    ok("data", "gc", "--keep-days", "0", "--yes")
    assert cached(in_repo, b"one\n")
