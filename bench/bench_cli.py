"""CLI start-up: `git ml -h` and the overhead `git ml run` adds to a command.

Both go through the installed `git-ml` console script next to this interpreter when
there is one (what users run), else `python -m gitml`.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from run import Context, Result

TARGET_HELP_MS = 80.0
TARGET_RUN_OVERHEAD_MS = 100.0


def _entry() -> list[str]:
    script = Path(sys.executable).parent / "git-ml"
    return [str(script)] if script.exists() else [sys.executable, "-m", "gitml"]


def _median_ms(cmd: list[str], cwd: Path, n: int) -> float:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        subprocess.run(
            cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def run(ctx: Context) -> list[Result]:
    n = 9 if ctx.quick else 31
    repo = ctx.workdir / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(
        ["git", "-C", str(repo), "commit", "-q", "--allow-empty", "-m", "init"], check=True
    )
    entry = _entry()
    subprocess.run([*entry, "init"], cwd=repo, check=True, capture_output=True)
    true = shutil.which("true") or "/bin/true"
    for _ in range(3):
        subprocess.run([*entry, "run", "--", true], cwd=repo, check=True, capture_output=True)
    help_ms = _median_ms([*entry, "-h"], repo, n)
    bare = _median_ms([true], repo, n)
    wrapped = _median_ms([*entry, "run", "--", true], repo, n)
    overhead = wrapped - bare
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return [
        Result(
            "git ml -h",
            help_ms,
            "ms",
            f"<= {TARGET_HELP_MS:g} ms",
            help_ms <= TARGET_HELP_MS,
            f"load {load:.1f}",
        ),
        Result(
            "git ml run -- true, overhead over bare true",
            overhead,
            "ms",
            f"<= {TARGET_RUN_OVERHEAD_MS:g} ms",
            overhead <= TARGET_RUN_OVERHEAD_MS,
            f"{wrapped:.0f} ms vs {bare:.1f} ms",
        ),
    ]
