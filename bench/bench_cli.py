"""CLI start-up and the everyday commands, for gitml installed from a wheel, side by side.

Every build (this checkout, plus each ``--against REV`` of run.py, e.g. ``main``) is a
wheel installed into its own fresh venv (builds.py) and run through its ``git-ml`` script,
in the same repositories, with the samples of the builds interleaved so that load on the
shared machine falls on all of them alike. Rows:

- ``git ml -h``;
- ``git ml run -- true`` minus bare ``true``, on a clean tree and on a dirty one (one
  untracked and one modified file: the checkpoint commit is written);
- ``git ml ls`` over 10,000 runs with the index warm (2,000 with ``--quick``);
- ``git ml model show`` and the registry writes (``model register``, ``promote``,
  ``registry apply``, ``promote --branch``) with 1,000 stage events applied (200 quick).

The same command (``true``) is also wrapped by DVC (``dvc exp run`` of a one-stage
``dvc.yaml``) and MLflow (``mlflow run`` of an ``MLproject``), each from its own venv
under bench/.work (anchors.py); their rows carry no target.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from anchors import anchor_bin, version_of
from builds import Build, command_env
from common import hermetic_env
from run import Context, Result

TARGETS_MS = {
    "git ml -h": 80.0,
    "git ml run -- true, clean tree, added": 100.0,
    "git ml run -- true, dirty tree, added": 100.0,
    "git ml ls, warm": 150.0,
    "git ml model show": 100.0,
    "git ml model register": 150.0,
    "git ml promote": 150.0,
    "git ml registry apply": 150.0,
    "git ml promote --branch": 150.0,
}


def _ms(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        cmd, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return (time.perf_counter() - started) * 1000


def _git(repo: Path, env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True
    ).stdout


def _new_repo(path: Path, env: dict[str, str], build: Build) -> Path:
    path.mkdir(parents=True)
    _git(path, env, "init", "-q")
    (path / "README.md").write_text("bench\n")
    subprocess.run(build.command("init"), cwd=path, env=env, check=True, capture_output=True)
    _git(path, env, "add", "-A")
    _git(path, env, "commit", "-q", "-m", "setup")
    return path


def _interleaved(
    builds: list[Build], n: int, sample: Callable[[Build], dict[str, float]]
) -> dict[str, dict[str, list[float]]]:
    """label -> row -> samples, the builds taking turns (and turns starting in rotation)."""
    out: dict[str, dict[str, list[float]]] = {b.label: {} for b in builds}
    for i in range(n):
        for k in range(len(builds)):
            build = builds[(i + k) % len(builds)]
            for row, value in sample(build).items():
                out[build.label].setdefault(row, []).append(value)
    return out


def _startup(
    ctx: Context, builds: list[Build], env: dict[str, str], n: int
) -> dict[str, dict[str, list[float]]]:
    repo = _new_repo(ctx.workdir / "startup", env, builds[0])
    true = shutil.which("true") or "/bin/true"
    for build in builds:  # first runs create the refs and the package-list cache
        for _ in range(2):
            _ms(build.command("run", "--", true), repo, env)

    def sample(build: Build) -> dict[str, float]:
        bare = _ms([true], repo, env)
        clean = _ms(build.command("run", "--", true), repo, env)
        (repo / "untracked.txt").write_text(f"{time.time()}\n")
        (repo / "README.md").write_text(f"bench {time.time()}\n")
        dirty = _ms(build.command("run", "--", true), repo, env)
        (repo / "untracked.txt").unlink()
        _git(repo, env, "checkout", "-q", "README.md")
        return {
            "git ml -h": _ms(build.command("-h"), repo, env),
            "git ml run -- true, clean tree, added": clean - bare,
            "git ml run -- true, dirty tree, added": dirty - bare,
        }

    return _interleaved(builds, n, sample)


def _ls(
    ctx: Context, builds: list[Build], env: dict[str, str], n: int
) -> dict[str, dict[str, list[float]]]:
    from bench_runs import fast_import_runs

    runs = 2_000 if ctx.quick else 10_000
    repo = _new_repo(ctx.workdir / "ls", env, builds[0])
    subprocess.run(
        builds[0].command("run", "--", "true"), cwd=repo, env=env, check=True, capture_output=True
    )
    listed = subprocess.run(
        builds[0].command("ls", "--json", "--limit", "1"),
        cwd=repo,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    fast_import_runs(repo, env, json.loads(listed)[0], runs - 1)
    for build in builds:
        _ms(build.command("ls"), repo, env)  # builds (or checks) the index
    ctx.say(f"ls over {runs} runs")
    return _interleaved(builds, n, lambda b: {"git ml ls, warm": _ms(b.command("ls"), repo, env)})


def _registry(
    ctx: Context, builds: list[Build], env: dict[str, str], reps: int
) -> dict[str, dict[str, list[float]]]:
    from bench_registry import Bench

    events = 200 if ctx.quick else 1_000
    saved_cwd, saved_env = Path.cwd(), dict(os.environ)
    bench = Bench(ctx.workdir / "registry", hermetic_env(ctx.workdir / "home-registry"))
    bench.cli_env = command_env(bench.env)
    try:
        bench.setup(200, record_with=builds[-1].command())
        ctx.say(f"registry log grown to {events} events")
        bench.grow(events)
        names = {
            "register": "git ml model register",
            "promote": "git ml promote",
            "apply": "git ml registry apply",
            "promote --branch": "git ml promote --branch",
            "show": "git ml model show",
        }

        def sample(build: Build) -> dict[str, float]:
            bench.entry = build.command()
            cycle = bench.one_cycle(inproc=False)
            return {names[op]: wall * 1000 for op, (wall, _cpu) in cycle.items() if op in names}

        for build in builds:  # warm the page cache and each build's index
            bench.entry = build.command()
            bench.one_cycle(inproc=False)
        return _interleaved(builds, reps, sample)
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)


def _anchor_rows(ctx: Context, env: dict[str, str], ours: float) -> list[Result]:
    true = shutil.which("true") or "/bin/true"
    rows = []
    n = 3 if ctx.quick else 11
    bare_ms = statistics.median(_ms([true], ctx.workdir, env) for _ in range(n))
    dvc = anchor_bin("dvc", ["dvc"], "dvc")
    if dvc is not None:
        repo = ctx.workdir / "dvc-repo"
        repo.mkdir()
        _git(repo, env, "init", "-q")
        subprocess.run([str(dvc), "init", "-q"], cwd=repo, env=env, check=True)
        (repo / "dvc.yaml").write_text(f'stages:\n  noop:\n    cmd: "{true}"\n')
        _git(repo, env, "add", "-A")
        _git(repo, env, "commit", "-q", "-m", "setup")
        cmd = [str(dvc), "exp", "run"]
        subprocess.run(cmd, cwd=repo, env=env, check=True, capture_output=True)
        ms = statistics.median(_ms(cmd, repo, env) for _ in range(n)) - bare_ms
        rows.append(("dvc exp run (true), added", ms, version_of(dvc, "dvc")))
    mlflow = anchor_bin("mlflow", ["mlflow-skinny", "numpy", "pandas"], "mlflow")
    if mlflow is not None:
        repo = ctx.workdir / "mlflow-repo"
        repo.mkdir()
        _git(repo, env, "init", "-q")
        (repo / "MLproject").write_text(
            f'name: bench\nentry_points:\n  main:\n    command: "{true}"\n'
        )
        _git(repo, env, "add", "-A")
        _git(repo, env, "commit", "-q", "-m", "setup")
        menv = {
            **env,
            "MLFLOW_ALLOW_FILE_STORE": "true",
            "MLFLOW_TRACKING_URI": (repo / "mlruns").as_uri(),
        }
        cmd = [str(mlflow), "run", ".", "--env-manager", "local"]
        subprocess.run(cmd, cwd=repo, env=menv, check=True, capture_output=True)
        ms = statistics.median(_ms(cmd, repo, menv) for _ in range(n)) - bare_ms
        rows.append(("mlflow run (true), added", ms, version_of(mlflow, "mlflow-skinny")))
    return [
        Result(name, ms, "ms", "", None, f"{version}; {ms / ours:.1f}x gitml's; median of {n}")
        for name, ms, version in rows
    ]


def run(ctx: Context) -> list[Result]:
    builds = ctx.builds()
    env = command_env(hermetic_env(ctx.workdir / "home"))
    n = 9 if ctx.quick else 21
    reps = 3 if ctx.quick else 7
    ctx.say(f"start-up of {', '.join(b.label for b in builds)}")
    samples = _startup(ctx, builds, env, n)
    for label, rows in _ls(ctx, builds, env, 5 if ctx.quick else 11).items():
        samples[label].update(rows)
    for label, rows in _registry(ctx, builds, env, reps).items():
        samples[label].update(rows)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    this, others = builds[0].label, [b.label for b in builds[1:]]
    results = []
    for row, target in TARGETS_MS.items():
        value = statistics.median(samples[this][row])
        detail = [f"median of {len(samples[this][row])}"]
        for label in others:
            theirs = statistics.median(samples[label][row])
            detail.append(f"{label}: {theirs:.0f} ms")
        detail.append(f"load {load:.1f}")
        results.append(
            Result(row, value, "ms", f"<= {target:g} ms", value <= target, "; ".join(detail))
        )
    if not ctx.quick:
        ours = statistics.median(samples[this]["git ml run -- true, clean tree, added"])
        results += _anchor_rows(ctx, env, ours)
    return results
