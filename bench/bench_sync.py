"""Sharing through a remote on loopback: push and pull of 10k runs, and a no-op sync.

Clone A gets 10k run records with one commit per record (the history `git ml run`
writes); the remote is a bare repository reached over file:// (loopback, no daemon).
Every timed operation is the real CLI (`python -m gitml push|pull|sync`).
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench_storage import fill, run_record
from run import Context, Result

from gitml.records.ids import new_id
from gitml.storage import RUNS_REF
from gitml.storage.collection import Collection
from gitml.storage.repo import open_repo

TARGET_PULL_S = 5.0
TARGET_PUSH_S = 5.0
TARGET_NOOP_MS = 300.0
FEW = 5


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def _gitml(cwd: Path, *args: str) -> float:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "gitml", *args], cwd=cwd, env=env, check=True, capture_output=True
    )
    return time.perf_counter() - started


def _add_runs(repo: Path, count: int, *, seed: int) -> None:
    """``count`` more runs, one commit each, written the way `git ml run` writes them."""
    rng = random.Random(seed)
    runs = Collection(open_repo(repo), RUNS_REF, "runs")
    for _ in range(count):
        rid = new_id()
        runs.put(runs.record_path(rid), run_record(rng, rid, complete=True), f"add run {rid}")


def run(ctx: Context) -> list[Result]:
    count = 1_000 if ctx.quick else 10_000
    a = ctx.workdir / "a"
    ctx.say(f"filling clone A with {count} records (one commit each)")
    fill(a, count, history=True, complete=True)
    remote = ctx.workdir / "remote.git"
    _git(ctx.workdir, "init", "-q", "--bare", str(remote))
    _git(a, "remote", "add", "origin", f"file://{remote}")
    _git(a, "push", "-q", "origin", "HEAD:refs/heads/main")
    ctx.say("push")
    push_s = _gitml(a, "push")
    b = ctx.workdir / "b"
    _git(ctx.workdir, "clone", "-q", f"file://{remote}", str(b))
    ctx.say("pull")
    pull_s = _gitml(b, "pull")
    noop = [_gitml(b, "sync") * 1000 for _ in range(7)]
    noop_ms = statistics.median(noop)
    ctx.say("pull a few new runs")
    few = []
    for round_ in range(5):
        _add_runs(a, FEW, seed=round_)
        _gitml(a, "push")
        few.append(_gitml(b, "pull") * 1000)
    few_ms = statistics.median(few)
    return [
        Result(
            f"push {count} runs (empty remote)",
            push_s,
            "s",
            f"<= {TARGET_PUSH_S:g} s",
            push_s <= TARGET_PUSH_S,
        ),
        Result(
            f"pull {count} new runs",
            pull_s,
            "s",
            f"<= {TARGET_PULL_S:g} s",
            pull_s <= TARGET_PULL_S,
        ),
        Result(
            f"pull {FEW} new runs (median of 5)",
            few_ms,
            "ms",
            f"<= {TARGET_NOOP_MS:g} ms",
            few_ms <= TARGET_NOOP_MS,
        ),
        Result(
            "no-op sync (median of 7)",
            noop_ms,
            "ms",
            f"<= {TARGET_NOOP_MS:g} ms",
            noop_ms <= TARGET_NOOP_MS,
        ),
    ]
