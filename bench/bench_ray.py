"""Sweeps on a local Ray cluster: per-member overhead, scaling with CPUs, and Ray Tune.

gitml is timed as a new user gets it: a wheel of this checkout installed with the ``ray``
extra into a fresh venv (``builds.py``), whose ``ray start`` runs the cluster, so the
nodes import that gitml and that Ray, never this checkout's. A cluster of a head without
CPUs and one worker node is started on loopback (``tests/cluster/raycluster.py``, the
same as the tests use) with 2 and then 4 worker CPUs. For each:

- a 64-member grid of ``true`` (``git ml run --on ray://… -S k=1,…,64 -- true``); the
  per-member overhead is the whole ``git ml run`` process's wall time times the members
  that run at once (the worker CPUs), divided by 64, minus ``true``'s own time;
  throughput is members recorded per second;
- side by side on a cluster of the same shape (2 worker CPUs): Ray Tune (``ray[tune]`` of
  the same Ray version in its own venv, ``bench/.work/raytune``, whose ``ray start``
  runs that cluster, so Tune's workers have its dependencies) running a 64-trial random
  search of a function that returns one metric, beside ``git ml run --on … --search
  random --trials 64`` of a script that logs the same metric, each as one whole process.
  gitml records full runs (checkpoint, params, metrics, environment); Tune keeps its
  results in its own folder.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import time
from pathlib import Path

from anchors import anchor_bin, version_of
from builds import Build, command_env, install
from common import hermetic_env
from run import Context, Result

from tests.cluster.raycluster import RayCluster, short_root, start_cluster

MEMBERS = 64
OVERHEAD_TARGET_S = 0.3
TUNE_RATIO = 1.5

TUNE = """\
import sys, time
started = time.perf_counter()
import ray
from ray import tune

ray.init(address=sys.argv[1], logging_level="ERROR", log_to_driver=False)

def trial(config):
    return {"score": 1.0 - (config["x"] - 0.3) ** 2}

tuner = tune.Tuner(
    trial,
    param_space={"x": tune.uniform(0.0, 1.0)},
    tune_config=tune.TuneConfig(num_samples=int(sys.argv[2]), metric="score", mode="max"),
    run_config=tune.RunConfig(storage_path=sys.argv[3], verbose=0),
)
best = tuner.fit().get_best_result()
print(f"{time.perf_counter() - started:.3f} {best.metrics['score']:.4f}")
"""

SCORE = """\
from pathlib import Path
import yaml
import gitml
x = float(yaml.safe_load(Path("params.yaml").read_text())["x"])
gitml.log_metric("score", 1.0 - (x - 0.3) ** 2)
"""


def _project(ctx: Context, build: Build, env: dict[str, str]) -> Path:
    repo = ctx.workdir / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True, env=env)
    (repo / "params.yaml").write_text("k: 0\nx: 0.5\n")
    (repo / "score.py").write_text(SCORE)
    subprocess.run(build.command("init"), cwd=repo, env=env, check=True, capture_output=True)
    subprocess.run(["git", "add", "-A"], cwd=repo, env=env, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "bench"], cwd=repo, env=env, check=True)
    return repo


def _timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])}… failed:\n{proc.stderr[-2000:]}")
    return elapsed, proc.stdout


def _bare_true() -> float:
    times = []
    for _ in range(5):
        started = time.perf_counter()
        subprocess.run(["true"], check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _grid(
    build: Build, cluster: RayCluster, repo: Path, env: dict[str, str], repeats: int
) -> list[float]:
    grid = ",".join(str(i) for i in range(1, MEMBERS + 1))
    cmd = build.command("run", "--on", f"ray://{cluster.address}", "-S", f"k={grid}", "--", "true")
    return [_timed(cmd, repo, env)[0] for _ in range(repeats)]


def _search(build: Build, cluster: RayCluster, repo: Path, env: dict[str, str]) -> float:
    cmd = build.command("run", "--on", f"ray://{cluster.address}", "--search", "random")
    cmd += ["--trials", str(MEMBERS), "-S", "x=uniform(0,1)", "--objective", "metrics.score"]
    return _timed([*cmd, "--", "python", "score.py"], repo, env)[0]


def _tune(
    python: Path, ctx: Context, env: dict[str, str], *, cpus: int, nodes_env: dict[str, str]
) -> float:
    """Ray Tune's search, on a cluster its own venv runs (head without CPUs, one worker)."""
    script = ctx.workdir / "tune_search.py"
    script.write_text(TUNE)
    storage = ctx.workdir / "tune-results"
    root = short_root()
    ray_bin = python.parent / "ray"
    cluster = start_cluster(root, ray_bin, head_cpus=0, worker_cpus=cpus, environ=nodes_env)
    try:
        args = [str(python), str(script), cluster.address, str(MEMBERS), str(storage)]
        elapsed, _out = _timed(args, ctx.workdir, env)
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(storage, ignore_errors=True)
    return elapsed


def run(ctx: Context) -> list[Result]:
    repeats = 1 if ctx.quick else 3
    build = install(ctx.workdir / "wheel", extras="ray")
    bin_dir = build.git_ml.parent
    ray_bin = bin_dir / "ray"
    env = command_env(hermetic_env(ctx.workdir / "home"))
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"  # as if the venv were active
    nodes_env = command_env(dict(os.environ))
    tune_python = anchor_bin("raytune", [f"ray[tune]=={version_of(ray_bin, 'ray')}"], "python")
    repo = _project(ctx, build, env)
    bare = _bare_true()
    results: list[Result] = []
    throughput: dict[int, float] = {}
    for cpus in (2, 4):
        load = os.getloadavg()[0]
        root = short_root()
        cluster = start_cluster(root, ray_bin, head_cpus=0, worker_cpus=cpus, environ=nodes_env)
        try:
            walls = _grid(build, cluster, repo, env, repeats)
            wall = statistics.median(walls)
            per_member = wall * cpus / MEMBERS - bare
            throughput[cpus] = MEMBERS / wall
            ctx.say(f"{cpus} CPUs: {MEMBERS} members in {wall:.1f} s ({walls})")
            results.append(
                Result(
                    f"per-member overhead, {MEMBERS} x true on Ray ({cpus} worker CPUs)",
                    per_member,
                    "s",
                    f"<= {OVERHEAD_TARGET_S:g} s",
                    per_member <= OVERHEAD_TARGET_S,
                    f"whole sweep {wall:.1f} s (median of {repeats}), "
                    f"{throughput[cpus]:.1f} members/s; load {load:.1f}",
                )
            )
            if cpus == 2 and tune_python is not None:
                ours = _search(build, cluster, repo, env)
                theirs = _tune(tune_python, ctx, env, cpus=cpus, nodes_env=nodes_env)
                ratio = ours / theirs
                results.append(
                    Result(
                        f"{MEMBERS}-trial random search: gitml / Ray Tune wall time",
                        ratio,
                        "x",
                        f"<= {TUNE_RATIO:g}x",
                        ratio <= TUNE_RATIO,
                        f"gitml {ours:.1f} s (full runs recorded), Ray Tune {theirs:.1f} s, "
                        f"{cpus} worker CPUs",
                    )
                )
        finally:
            cluster.stop()
            shutil.rmtree(root, ignore_errors=True)
    scaling = throughput[4] / throughput[2]
    results.append(
        Result(
            "throughput, 4 vs 2 worker CPUs",
            scaling,
            "x",
            "",
            None,
            f"{throughput[2]:.1f} vs {throughput[4]:.1f} members/s; this machine has "
            f"{os.cpu_count()} cores, so 4 worker CPUs oversubscribe it",
        )
    )
    return results
