"""The MLflow plugin and ``git ml import mlflow``, side by side with MLflow itself.

gitml is installed from a wheel built from this checkout into a fresh venv
(``builds.py``); MLflow (mlflow-skinny with SQLAlchemy and Alembic, so its SQLite store
works) lives in its own venv (``anchors.cached_venv``, the one the tests use), made
visible to the wheel's venv by a ``.pth`` line so ``mlflow.*`` calls reach the wheel's
gitml plugin. Every timed step is a fresh process.

- per call: ``log_metric`` in a loop under a spool (as under ``git ml run``): gitml's own
  API; the ``gitml:`` tracking store's ``log_metric`` called directly (the plugin's own
  share); ``mlflow.log_metric`` through the plugin (MLflow's client validates, builds
  entities and dispatches before the store sees the call); and MLflow's SQLite store.
  Target: the plugin's share at most 2x gitml's native call.
- per run: a script making RUNS MLflow runs (10 params, 100 metric values each) under
  ``git ml run`` against the same script on MLflow's SQLite store (see ``per_run``; MLflow's
  import and the interpreter start are left out for both). Target: gitml at least 5x
  faster.
- import: ``git ml import mlflow`` of a file store of 10,000 runs MLflow made (made once
  and kept in ``bench/.work/``). Target: at most 60 s.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from common import ROOT, hermetic_env

CALLS = 20_000
RUNS = 30
IMPORT_RUNS = 10_000
REPEAT = 5

PER_CALL = """\
import os, sys, time
kind, calls = sys.argv[1], int(sys.argv[2])
if kind == "gitml":
    import gitml
    log = gitml.log_metric
    gitml.log_metric("warm", 0.0)
else:
    import mlflow
    mlflow.start_run()
    log = mlflow.log_metric
    log("warm", 0.0)
t = time.perf_counter()
for i in range(calls):
    log("loss", 1.0 / (i + 1), step=i)
took = time.perf_counter() - t
print(took / calls * 1e6)
"""

PER_RUN = """\
import sys, time
import mlflow
mlflow.set_experiment("bench")
start = time.perf_counter()
for i in range(int(sys.argv[1])):
    with mlflow.start_run(run_name=f"run-{i}"):
        mlflow.log_params({f"p{k}": k * i for k in range(10)})
        for step in range(100):
            mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
print(time.perf_counter() - start)
"""

PLUGIN_SHARE = """\
import sys, time
from mlflow.entities import Metric
from gitml.tracking.mlflow_plugin.store import GitmlTrackingStore
store = GitmlTrackingStore("gitml:")
run = store.create_run("0", "bench", 0, [], "share")
calls = int(sys.argv[1])
metrics = [Metric("loss", 1.0 / (i + 1), 0, i) for i in range(calls)]
t = time.perf_counter()
for metric in metrics:
    store.log_metric(run.info.run_id, metric)
print((time.perf_counter() - t) / calls * 1e6)
"""


def _site(venv: Path) -> Path:
    return venv / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages"


def _mlflow_venv() -> Path | None:
    from anchors import cached_venv

    from tests.anchors import anchor_requirements

    venv, why = cached_venv("mlflow", anchor_requirements("mlflow"))
    if venv is None:
        print(f"MLflow unavailable: {why}", file=sys.stderr)
    return venv


def _wheel_python(ctx: Any, mlflow_venv: Path) -> Path:
    """The wheel venv's python, seeing MLflow's packages after its own."""
    from builds import install

    python = install(ctx.workdir).python
    (_site(python.parent.parent) / "zz_mlflow_anchor.pth").write_text(f"{_site(mlflow_venv)}\n")
    return python


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:4])} failed:\n{proc.stderr[-3000:]}")
    return proc.stdout


def _repo(path: Path, env: dict[str, str]) -> Path:
    path.mkdir(parents=True)
    for args in (["init", "-q"], ["commit", "-q", "--allow-empty", "-m", "init"]):
        subprocess.run(["git", *args], cwd=path, env=env, check=True)
    return path


def per_call(ctx: Any, python: Path, env: dict[str, str]) -> dict[str, float]:
    """Median µs per ``log_metric`` call of each way."""
    script = ctx.workdir / "per_call.py"
    script.write_text(PER_CALL)
    work = ctx.workdir / "per-call"
    work.mkdir()
    calls = CALLS // 10 if ctx.quick else CALLS
    share = ctx.workdir / "plugin_share.py"
    share.write_text(PLUGIN_SHARE)
    out: dict[str, list[float]] = {"gitml": [], "plugin": [], "share": [], "sqlite": []}
    for i in range(REPEAT):
        spool = work / f"spool-{i}"
        spooled = {
            **env,
            "GITML_RUN_SPOOL": str(spool),
            "GITML_RUN_ID": "01KDMPKJ5R19BCCZM1ESE7S6MM",
        }
        out["gitml"].append(
            float(_run([str(python), str(script), "gitml", str(calls)], work, spooled))
        )
        # as git ml run sets them (naming the registry spares MLflow a Spark lookup per call)
        plugin = {**spooled, "GITML_RUN_SPOOL": f"{spool}-p"}
        plugin.update(MLFLOW_TRACKING_URI="gitml:", MLFLOW_REGISTRY_URI="gitml:")
        out["plugin"].append(
            float(_run([str(python), str(script), "mlflow", str(calls)], work, plugin))
        )
        plugin["GITML_RUN_SPOOL"] = f"{spool}-s"
        out["share"].append(float(_run([str(python), str(share), str(calls)], work, plugin)))
        uri = f"sqlite:///{work}/mlflow-{i}.db"
        db = {**env, "MLFLOW_TRACKING_URI": uri, "MLFLOW_REGISTRY_URI": uri}
        out["sqlite"].append(
            float(_run([str(python), str(script), "mlflow", str(max(200, calls // 20))], work, db))
        )
    return {k: statistics.median(v) for k, v in out.items()}


def _wall(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    out = _run(args, cwd, env)
    return time.perf_counter() - start, out


def _command_seconds(repo: Path, env: dict[str, str], python: Path) -> float:
    """How long the command of the newest top-level run ran (its record's duration)."""
    import json

    listing = [
        str(python.parent / "git-ml"),
        "ls",
        "--json",
        "--limit",
        "1",
        "--where",
        "parent is null",
    ]
    return float(json.loads(_run(listing, repo, env))[0]["duration_s"])


def per_run(ctx: Any, python: Path, env: dict[str, str]) -> dict[str, float]:
    """Median seconds per MLflow run (10 params, 100 metric values): through ``gitml:``
    under ``git ml run``, the script's own loop plus what recording the runs adds after it
    (the wall time of ``git ml run`` beyond its command's, against making no run); on
    MLflow's SQLite store, the loop (every write is in it)."""
    runs = 5 if ctx.quick else RUNS
    repo = _repo(ctx.workdir / "per-run", env)
    (repo / "runs.py").write_text(PER_RUN)
    subprocess.run(["git", "add", "runs.py"], cwd=repo, env=env, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "script"], cwd=repo, env=env, check=True)
    git_ml = [str(python.parent / "git-ml"), "run", "--", str(python), "runs.py"]
    gitml: list[float] = []
    sqlite: list[float] = []
    for i in range(REPEAT):
        wall_many, out = _wall([*git_ml, str(runs)], repo, env)
        after_many = wall_many - _command_seconds(repo, env, python)
        wall_none, _ = _wall([*git_ml, "0"], repo, env)
        after_none = wall_none - _command_seconds(repo, env, python)
        loop = float(out.split()[-1])
        gitml.append((loop + max(0.0, after_many - after_none)) / runs)
        uri = f"sqlite:///{ctx.workdir}/per-run-{i}.db"
        db = {**env, "MLFLOW_TRACKING_URI": uri, "MLFLOW_REGISTRY_URI": uri}
        _run([str(python), "runs.py", "0"], repo, db)  # creates the schema: not a run's cost
        sqlite.append(float(_run([str(python), "runs.py", str(runs)], repo, db).split()[-1]) / runs)
    return {"gitml": statistics.median(gitml), "sqlite": statistics.median(sqlite)}


def import_store(ctx: Any, python: Path, mlflow_venv: Path, env: dict[str, str]) -> float:
    """Seconds ``git ml import mlflow`` takes for IMPORT_RUNS runs (median of 3)."""
    count = 1000 if ctx.quick else IMPORT_RUNS
    store = Path(__file__).resolve().parent / ".work" / f"mlruns-{count}"
    if not (store / ".complete").exists():
        maker = ROOT / "tests" / "tracking" / "scripts" / "make_mlruns.py"
        ctx.say(f"making an MLflow store of {count} runs with MLflow (once)")
        menv = {**env, "MLFLOW_ALLOW_FILE_STORE": "true"}
        _run(
            [str(mlflow_venv / "bin" / "python"), str(maker), store.as_uri(), str(count)],
            ROOT,
            menv,
        )
        (store / ".complete").write_text("")
    took = []
    for i in range(3):
        repo = _repo(ctx.workdir / f"import-{i}", env)
        seconds, _out = _wall(
            [str(python.parent / "git-ml"), "import", "mlflow", str(store)], repo, env
        )
        took.append(seconds)
    return statistics.median(took)


def run(ctx: Any) -> list[Any]:
    """Entry point for ``bench/run.py mlflow``."""
    from run import Result

    mlflow_venv = _mlflow_venv()
    if mlflow_venv is None:
        return [Result("mlflow", 0, "", detail="MLflow could not be installed; nothing measured")]
    python = _wheel_python(ctx, mlflow_venv)
    env = hermetic_env(ctx.workdir / "home")
    env.pop("PYTHONPATH", None)  # the wheel's gitml, not the checkout's
    env.update(
        MLFLOW_DISABLE_TELEMETRY="true",
        DO_NOT_TRACK="true",
        PATH=f"{python.parent}{os.pathsep}{env['PATH']}",
    )
    ctx.say("per-call logging")
    calls = per_call(ctx, python, env)
    ctx.say("per-run cost")
    runs = per_run(ctx, python, env)
    ctx.say("import")
    imported = import_store(ctx, python, mlflow_venv, env)
    ratio_call = calls["plugin"] / calls["gitml"]
    ratio_share = calls["share"] / calls["gitml"]
    ratio_run = runs["sqlite"] / runs["gitml"]
    count = 1000 if ctx.quick else IMPORT_RUNS
    load = os.getloadavg()[0]
    return [
        Result("log_metric: gitml API", calls["gitml"], "µs/call", detail=f"load {load:.1f}"),
        Result(
            "log_metric: the gitml: store's own share", calls["share"], "µs/call",
            target="<= 2x gitml API", ok=ratio_share <= 2, detail=f"{ratio_share:.1f}x gitml",
        ),
        Result(
            "log_metric: mlflow.log_metric through gitml:", calls["plugin"], "µs/call",
            detail=f"{ratio_call:.0f}x gitml; MLflow's client: {calls['plugin'] - calls['share']:.0f} µs",
        ),
        Result("log_metric: MLflow SQLite store", calls["sqlite"], "µs/call",
               detail=f"{calls['sqlite'] / calls['plugin']:.0f}x the plugin"),
        Result("per run: MLflow through gitml: (git ml run)", runs["gitml"] * 1000, "ms/run"),
        Result(
            "per run: MLflow SQLite store", runs["sqlite"] * 1000, "ms/run",
            target=">= 5x gitml", ok=ratio_run >= 5, detail=f"{ratio_run:.1f}x gitml",
        ),
        Result(
            f"git ml import mlflow ({count:,} runs)", imported, "s",
            target="<= 60 s" if count == IMPORT_RUNS else "", ok=imported <= 60 if count == IMPORT_RUNS else None,
            detail=f"{count / imported:,.0f} runs/s",
        ),
    ]  # fmt: skip
