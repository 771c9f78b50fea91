"""Benchmarks of ``git ml check`` (targets: --staged with nothing gitml-related staged
<= 150 ms; --all with 10k runs and 1k model versions <= 2 s).

    PYTHONPATH=$PWD python bench/bench_governance.py [--runs 10000] [--versions 1000] [--reps 5]

A scratch repository under bench/.work/governance gets one real run and one real registered
version (through gitml's API), then ``git fast-import`` copies of them (new ids) up to the
sizes asked for. Each check runs as a new ``git ml`` process (as a hook or CI runs it);
the first (cold: no record validated yet) and the median of
the following runs (records already found valid are remembered by blob id in .git/gitml) are
printed and written to bench/results/governance.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import hermetic_env

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / ".work" / "governance"
RESULTS = ROOT / "bench" / "results"


def _git(repo: Path, *args: str, stdin: bytes | None = None) -> str:
    proc = subprocess.run(["git", *args], cwd=repo, input=stdin, capture_output=True, check=True)
    return proc.stdout.decode()


def _fast_import(repo: Path, ref: str, files: dict[str, bytes]) -> None:
    parent = _git(repo, "rev-parse", ref).strip()
    out = [
        f"commit {ref}\ncommitter Bench <b@e> 1700000000 +0000\ndata 5\nbulk\nfrom {parent}\n".encode()
    ]
    for path, data in files.items():
        out.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")
    _git(repo, "fast-import", "--quiet", stdin=b"".join(out) + b"\n")


def build(runs: int, versions: int) -> Path:
    from gitml.records import ids
    from gitml.registry import records as rec

    if WORK.exists():
        shutil.rmtree(WORK)
    repo = WORK / "repo"
    repo.mkdir(parents=True)
    os.environ.update(hermetic_env(WORK / "home"))
    for key in [k for k in os.environ if k.startswith("GIT_") and k != "GIT_CONFIG_NOSYSTEM"]:
        del os.environ[key]
    os.chdir(repo)
    sys.path.insert(0, str(ROOT))
    from tests.registry.conftest import init_project, register

    _git(repo, "init", "-q")
    (repo / "README.md").write_text("bench\n")
    _git(repo, "add", "README.md")
    _git(repo, "commit", "-q", "-m", "init")
    init_project(repo)
    run_id = register(repo, "1.0.0", 0.9)
    run_path = next(
        p
        for p in _git(repo, "ls-tree", "-r", "--name-only", "refs/gitml/runs").split()
        if p.endswith(f"{run_id}.toml")
    )
    run_text = _git(repo, "show", f"refs/gitml/runs:{run_path}")
    version_text = _git(repo, "show", f"refs/gitml/registry:{rec.version_path('churn', '1.0.0')}")
    version_id = version_text.split('id = "', 1)[1].split('"', 1)[0]
    files: dict[str, bytes] = {}
    for _ in range(runs - 1):
        new = ids.new_id()
        files[f"runs/{new[-2:].lower()}/{new}.toml"] = run_text.replace(run_id, new).encode()
    _fast_import(repo, "refs/gitml/runs", files)
    files = {}
    for i in range(1, versions):
        version = f"2.0.{i}"
        text = version_text.replace('version = "1.0.0"', f'version = "{version}"')
        files[rec.version_path("churn", version)] = text.replace(version_id, ids.new_id()).encode()
    _fast_import(repo, "refs/gitml/registry", files)
    (repo / "notes.txt").write_text("unrelated\n")
    _git(repo, "add", "notes.txt")
    return repo


def timed(repo: Path, env: dict[str, str], *args: str) -> float:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "gitml", "check", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"git ml check {' '.join(args)} failed: {proc.stderr.strip()[-2000:]}")
    return wall


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--versions", type=int, default=1_000)
    parser.add_argument("--reps", type=int, default=5)
    opts = parser.parse_args()
    repo = build(opts.runs, opts.versions)
    env = dict(os.environ)
    results = {}
    for name, args, target in (
        ("check --staged (nothing gitml staged)", ["--staged"], 0.150),
        (f"check --all ({opts.runs} runs, {opts.versions} versions)", ["--all"], 2.0),
    ):
        cold = timed(repo, env, *args)
        walls = [timed(repo, env, *args) for _ in range(opts.reps)]
        median = statistics.median(walls)
        results[name] = {
            "cold_s": round(cold, 4),
            "median_s": round(median, 4),
            "target_s": target,
            "ok": median <= target,
        }
        print(
            f"{name}: median {median * 1000:.0f} ms, first (cold cache) {cold * 1000:.0f} ms "
            f"(target {target * 1000:.0f} ms)"
        )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "governance.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
