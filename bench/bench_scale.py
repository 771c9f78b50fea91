"""A large run store: what a teammate's first day, queries and housekeeping cost at N runs.

Each build (this checkout, plus each ``--against REV``) is a wheel in a fresh venv
(builds.py). Per build: a new repository gets one real ``git ml run -- true`` (the
template, and the collection created the way that build creates it), then N-1 more runs
are seeded by ``scale_seed.py`` running under that build's Python: one commit per run,
each adding one record where that build files it, written by ``git fast-import`` (the
same trees and commits as gitml's own writes). Then ``git gc`` once, as auto-gc leaves a
store. Rows, per build (this build's value; the others in the detail column):

- ``git ml run -- true`` minus ``true`` (median of 5);
- ``git ml ls`` warm (median of 5) and with the index deleted (one sample);
- ``git ml push`` to an empty bare remote, ``git clone`` + ``git ml pull`` into a fresh
  clone and its first ``ls`` (one sample each; the day-one total is their sum);
- ``git ml show`` by full id, by a 14-character prefix and by name (median of 5);
- ``git ml ls --where ... --sort ...`` warm (median of 5);
- ``git ml check --all`` in the fresh clone with ``.git/gitml`` deleted (no caches);
- ``git gc`` and ``git fsck`` of the seeded repository (one sample);
- any command still running after ``BENCH_SCALE_LIMIT_S`` (900) is stopped and shows as
  ``inf`` (after a stopped push or pull, plain git moves the refs so the rest can go on);
- bytes a run: the pack, the query index and the trees uncompressed, divided by N.

N is 100,000 (``--quick``: 10,000; ``BENCH_SCALE_RUNS`` overrides).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from bench_cli import _git, _new_repo
from builds import Build, command_env
from common import hermetic_env
from run import Context, Result

BENCH_DIR = Path(__file__).resolve().parent
WHERE = "metrics.acc > 0.5 and params.lr = 0.1"
LIMIT_S = float(os.environ.get("BENCH_SCALE_LIMIT_S") or 900)
REFS = ("refs/gitml/*:refs/gitml/*", "refs/notes/gitml:refs/notes/gitml")


def _seconds(cmd: list[str], cwd: Path, env: dict[str, str], limit: float = LIMIT_S) -> float:
    """Wall time of ``cmd``; ``inf`` when it is still running after ``limit`` seconds."""
    started = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired:
        return float("inf")
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed in {cwd}: {proc.stderr.strip()[-800:]}")
    return elapsed


def _median(fn: Callable[[], float], n: int) -> float:
    return statistics.median(fn() for _ in range(n))


def _bytes(folder: Path, pattern: str) -> int:
    return sum(p.stat().st_size for p in folder.glob(pattern))


def _tree_bytes(repo: Path, env: dict[str, str]) -> int:
    """Uncompressed size of every tree in the store: what index-pack and fsck hash."""
    check = "--batch-check=%(objecttype) %(objectsize)"
    listed = _git(repo, env, "cat-file", "--batch-all-objects", check)
    return sum(
        int(size) for kind, size in (line.split() for line in listed.splitlines()) if kind == "tree"
    )


def _seed(build: Build, repo: Path, env: dict[str, str], runs: int) -> float:
    _new_repo(repo, env, build)
    subprocess.run(build.command("run", "--", "true"), cwd=repo, env=env, check=True)
    started = time.perf_counter()
    seed = [str(build.python), str(BENCH_DIR / "scale_seed.py"), str(repo), str(runs - 1)]
    subprocess.run(seed, cwd=repo, env=env, check=True)
    _git(repo, env, "gc", "--quiet")
    return time.perf_counter() - started


def _measure(ctx: Context, build: Build, env: dict[str, str], runs: int) -> dict[str, float]:
    base = ctx.workdir / build.label.replace("/", "-")
    repo = base / "repo"
    seeded = _seed(build, repo, env, runs)
    ctx.say(f"{build.label}: seeded {runs:,} runs in {seeded:.0f} s")
    out: dict[str, float] = {}
    ml = build.command
    state = repo / ".git" / "gitml"
    shutil.rmtree(state, ignore_errors=True)
    out["ls, no index (s)"] = _seconds(ml("ls"), repo, env)
    out["ls, warm (s)"] = _median(lambda: _seconds(ml("ls"), repo, env), 5)
    out["index bytes a run"] = _bytes(state, "index-v*.sqlite*") / runs
    out["pack bytes a run"] = _bytes(repo / ".git" / "objects" / "pack", "*.pack") / runs
    out["tree bytes a run (uncompressed)"] = _tree_bytes(repo, env) / runs
    ids = _git(
        repo,
        env,
        "log",
        "--format=%(trailers:key=Gitml-Run,valueonly)",
        "-n",
        "40",
        "refs/gitml/runs",
    ).split()
    target = ids[len(ids) // 2]
    name = subprocess.run(
        ml("show", target, "--json"), cwd=repo, env=env, capture_output=True, text=True, check=True
    ).stdout
    run_name = name.split('"name": "', 1)[1].split('"', 1)[0] if '"name": "' in name else target
    out["show by id (s)"] = _median(lambda: _seconds(ml("show", target), repo, env), 5)
    out["show by prefix (s)"] = _median(lambda: _seconds(ml("show", target[:14]), repo, env), 5)
    out["show by name (s)"] = _median(lambda: _seconds(ml("show", run_name), repo, env), 5)
    where = ml("ls", "--all", "--where", WHERE, "--sort", "-metrics.acc")
    _seconds(where, repo, env)
    out["ls --where --sort, warm (s)"] = _median(lambda: _seconds(where, repo, env), 5)
    remote = base / "remote.git"
    _git(base, env, "init", "-q", "--bare", str(remote))
    _git(repo, env, "remote", "add", "origin", str(remote))
    _git(repo, env, "push", "-q", "origin", "main")
    out["push to empty remote (s)"] = _seconds(ml("push", "--no-data"), repo, env)
    if out["push to empty remote (s)"] == float("inf"):  # go on with what git alone sends
        _git(repo, env, "push", "-q", "--force", "origin", *REFS)
    clone = base / "clone"
    out["git clone (s)"] = _seconds(["git", "clone", "-q", str(remote), str(clone)], base, env)
    out["pull into fresh clone (s)"] = _seconds(ml("pull"), clone, env)
    if out["pull into fresh clone (s)"] == float("inf"):
        _git(clone, env, "fetch", "-q", "origin", *REFS)
    out["first ls in the clone (s)"] = _seconds(ml("ls"), clone, env)
    out["day one: clone + pull + ls (s)"] = (
        out["git clone (s)"] + out["pull into fresh clone (s)"] + out["first ls in the clone (s)"]
    )
    shutil.rmtree(clone / ".git" / "gitml", ignore_errors=True)
    out["check --all, fresh (s)"] = _seconds(ml("check", "--all"), clone, env)
    out["git gc (s)"] = _seconds(["git", "gc", "--quiet"], repo, env)
    out["git fsck (s)"] = _seconds(["git", "fsck", "--no-progress"], repo, env)
    true = shutil.which("true") or "/bin/true"
    out["run -- true, added (s)"] = _median(
        lambda: _seconds(ml("run", "--", true), repo, env) - _seconds([true], repo, env), 5
    )
    return out


def run(ctx: Context) -> list[Result]:
    runs = int(os.environ.get("BENCH_SCALE_RUNS") or (10_000 if ctx.quick else 100_000))
    builds = ctx.builds()
    env = command_env(hermetic_env(ctx.workdir / "home"))
    measured = {b.label: _measure(ctx, b, env, runs) for b in builds}
    this, others = builds[0].label, [b.label for b in builds[1:]]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    results = []
    for row, value in measured[this].items():
        unit = "B" if "bytes" in row else "s"
        name = row.removesuffix(" (s)")
        detail = [f"{label}: {measured[label][row]:,.3f} {unit}" for label in others]
        detail.append(f"{runs:,} runs, load {load:.1f}")
        results.append(Result(f"{name}, {runs:,} runs", value, unit, detail="; ".join(detail)))
    return results
