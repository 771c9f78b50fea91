"""CLI start-up: `git ml -h` and the overhead `git ml run` adds to a command.

Both go through the installed `git-ml` console script next to this interpreter when
there is one (what users run), else `python -m gitml`. The same command (`true`) is
also wrapped, in the same run, by DVC (`dvc exp run` of a one-stage `dvc.yaml`) and
MLflow (`mlflow run` of an `MLproject`, local environment, file store), each from its
own venv under bench/.work (see anchors.py); their rows carry no target.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from anchors import anchor_bin, version_of
from run import Context, Result

TARGET_HELP_MS = 80.0
TARGET_RUN_OVERHEAD_MS = 100.0


def _entry() -> list[str]:
    script = Path(sys.executable).parent / "git-ml"
    return [str(script)] if script.exists() else [sys.executable, "-m", "gitml"]


def _median_ms(cmd: list[str], cwd: Path, n: int, env: dict[str, str] | None = None) -> float:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        subprocess.run(
            cmd, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def _git_repo(path: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    subprocess.run(
        ["git", "-C", str(path), "commit", "-q", "--allow-empty", "-m", "init"], check=True
    )
    return path


def _commit_all(repo: Path) -> None:
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(repo), "commit", "-q", "-m", "setup"], check=True)


def _dvc(ctx: Context, true: str, n: int) -> tuple[float, str] | None:
    dvc = anchor_bin("dvc", ["dvc"], "dvc")
    if dvc is None:
        return None
    repo = _git_repo(ctx.workdir / "dvc-repo")
    subprocess.run([str(dvc), "init", "-q"], cwd=repo, check=True)
    (repo / "dvc.yaml").write_text(f'stages:\n  noop:\n    cmd: "{true}"\n')
    _commit_all(repo)
    cmd = [str(dvc), "exp", "run"]
    subprocess.run(cmd, cwd=repo, check=True, capture_output=True)
    return _median_ms(cmd, repo, n), version_of(dvc, "dvc")


def _mlflow(ctx: Context, true: str, n: int) -> tuple[float, str] | None:
    mlflow = anchor_bin("mlflow", ["mlflow-skinny", "numpy", "pandas"], "mlflow")
    if mlflow is None:
        return None
    repo = _git_repo(ctx.workdir / "mlflow-repo")
    (repo / "MLproject").write_text(f'name: bench\nentry_points:\n  main:\n    command: "{true}"\n')
    _commit_all(repo)
    env = {
        **os.environ,
        "MLFLOW_ALLOW_FILE_STORE": "true",
        "MLFLOW_TRACKING_URI": (repo / "mlruns").as_uri(),
    }
    cmd = [str(mlflow), "run", ".", "--env-manager", "local"]
    subprocess.run(cmd, cwd=repo, env=env, check=True, capture_output=True)
    return _median_ms(cmd, repo, n, env), version_of(mlflow, "mlflow-skinny")


def run(ctx: Context) -> list[Result]:
    n = 9 if ctx.quick else 31
    n_anchor = 3 if ctx.quick else 11
    repo = _git_repo(ctx.workdir / "repo")
    entry = _entry()
    subprocess.run([*entry, "init"], cwd=repo, check=True, capture_output=True)
    _commit_all(repo)
    true = shutil.which("true") or "/bin/true"
    for _ in range(3):
        subprocess.run([*entry, "run", "--", true], cwd=repo, check=True, capture_output=True)
    help_ms = _median_ms([*entry, "-h"], repo, n)
    bare = _median_ms([true], repo, n)
    wrapped = _median_ms([*entry, "run", "--", true], repo, n)
    overhead = wrapped - bare
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    results = [
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
            f"{wrapped:.0f} ms vs {bare:.1f} ms, clean tree, median of {n}",
        ),
    ]
    for label, measure in (("dvc exp run", _dvc), ("mlflow run", _mlflow)):
        found = measure(ctx, true, n_anchor)
        if found is None:
            continue
        ms, version = found
        results.append(
            Result(
                f"{label} (true), overhead over bare true",
                ms - bare,
                "ms",
                "",
                None,
                f"{version}; {(ms - bare) / overhead:.1f}x gitml's; median of {n_anchor}",
            )
        )
    return results
