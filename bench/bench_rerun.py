"""`git ml rerun` overhead: everything but the command itself.

A repository with 1,000 committed files and a 100 MB input file (a dataset added with
`git ml data add`, or, without data versioning, a file kept in the content cache) has one
recorded run that read it. Each sample is a full `git ml
rerun RUN` process (worktree of the checkpoint, the input copied out of the cache and
verified, the run recorded and judged, the worktree removed) minus the time the command
takes on its own. The record's own `overhead_s` (what gitml adds once it is running) is
reported beside it.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from run import Context, Result

TARGET_S = 1.0
FILES = 1000
DATA_MB = 100
COMMAND = ["sh", "-c", "printf '{\"acc\": 0.5}' > metrics.json"]


def _entry() -> list[str]:
    script = Path(sys.executable).parent / "git-ml"
    return [str(script)] if script.exists() else [sys.executable, "-m", "gitml"]


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def _project(ctx: Context) -> Path:
    repo = ctx.workdir / "repo"
    _git(ctx.workdir, "init", "-q", str(repo))
    _git(repo, "config", "user.name", "bench")
    _git(repo, "config", "user.email", "bench@example.com")
    for i in range(FILES - 1):
        folder = repo / "src" / f"pkg{i // 50:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"mod_{i:04d}.py").write_text(f"VALUE = {i}\n" + "# padding\n" * 20)
    (repo / ".gitignore").write_text("/data/\nmetrics.json\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "a project with 1,000 files")
    ctx.say(f"writing a {DATA_MB} MB input")
    (repo / "data").mkdir()
    chunk = os.urandom(1 << 20)
    with (repo / "data" / "train.bin").open("wb") as fh:
        for i in range(DATA_MB):
            fh.write(bytes([i % 256]) + chunk[1:])
    return repo


def _cache(repo: Path, entry: list[str], env: dict[str, str]) -> list[str]:
    """Put the input in the cache; returns the ``-i`` options of the recorded run."""
    import importlib.util

    if importlib.util.find_spec("gitml.data.workspace") is not None:
        subprocess.run(
            [*entry, "data", "add", "data"], cwd=repo, env=env, check=True, capture_output=True
        )
        _git(repo, "add", "-A")
        _git(repo, "commit", "-q", "-m", "the dataset's pointer")
        return []
    from gitml.objects.cache import Cache, LinkMode
    from gitml.runs.digests import path_digest

    path = repo / "data" / "train.bin"
    Cache(repo / ".git" / "gitml" / "cache", link=LinkMode.COPY).store(path, path_digest(path))
    return ["-i", "data/train.bin"]


def run(ctx: Context) -> list[Result]:
    n = 5 if ctx.quick else 11
    repo = _project(ctx)
    entry = _entry()
    env = dict(os.environ)
    inputs = _cache(repo, entry, env)
    subprocess.run(
        [*entry, "run", "-n", "base", "-M", "metrics.json", *inputs, "--", *COMMAND],
        cwd=repo,
        env=env,
        check=True,
        capture_output=True,
    )
    bare, total, inner = [], [], []
    for i in range(n + 1):
        started = time.perf_counter()
        subprocess.run(COMMAND, cwd=repo, check=True)
        bare.append(time.perf_counter() - started)
        started = time.perf_counter()
        proc = subprocess.run(
            [*entry, "rerun", "base", "--json"], cwd=repo, env=env, check=True, capture_output=True
        )
        elapsed = time.perf_counter() - started
        data = json.loads(proc.stdout)
        if data["verdict"] != "reproduced" or data["inputs"][0]["source"] != "cache":
            raise RuntimeError(f"unexpected rerun: {data['verdict']} {data['inputs']}")
        if i:  # the first one warms the page cache and the index
            total.append(elapsed)
            inner.append(float(data["overhead_s"]))
        ctx.say(f"rerun {i}: {elapsed:.2f} s")
    overhead = statistics.median(total) - statistics.median(bare)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    detail = (
        f"{FILES} files, {DATA_MB} MB input from the cache; median of {n}; "
        f"process {statistics.median(total):.2f} s, command {statistics.median(bare) * 1000:.0f} ms; "
        f"load {load:.1f}"
    )
    return [
        Result(
            "git ml rerun overhead (whole process)",
            overhead,
            "s",
            f"<= {TARGET_S:g} s",
            overhead <= TARGET_S,
            detail,
        ),
        Result(
            "git ml rerun overhead inside gitml (record's overhead_s)",
            statistics.median(inner),
            "s",
            f"<= {TARGET_S:g} s",
            statistics.median(inner) <= TARGET_S,
            "excludes interpreter start-up and imports",
        ),
    ]
