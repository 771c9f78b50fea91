"""Benchmarks of experiment tracking; prints medians.

    python bench/bench_runs.py            # full sizes (10k API runs, 100k for --where)
    python bench/bench_runs.py --quick    # small sizes, for a smoke test
    PYTHONPATH=$PWD python bench/run.py runs   # through the shared runner, with targets
                                               # and the MLflow and DVC anchors

Everything happens in a scratch repository under bench/.work/. ``git ml`` is this
checkout run with this interpreter. The anchors run in their own venvs (anchors.py) on
the same workload in the same run: MLflow 3 (``mlflow-skinny``, local file store: the
local backend that needs no database server) logs the same 10,000 metric steps, records
runs through its fluent API and answers the same filter with ``search_runs``; DVC
answers ``dvc exp show`` over a number of ``dvc exp run`` experiments.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import hermetic_env

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / ".work"
WHERE = "metrics.acc > 0.5 and params.lr = 0.1"
MLFLOW_WHERE = "metrics.acc > 0.5 and params.lr = '0.1'"
TARGETS = {
    "log_metric": 50.0,  # ms added by 10,000 calls
    "api_runs": 60.0,  # s for 10,000 runs
    "ls_warm": 150.0,  # ms over 10,000 runs
    "ls_cold": 2000.0,  # ms over 10,000 runs
    "where_100k": 500.0,  # ms over 100,000 runs
}


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


CPU: dict[str, list[float]] = {}


def timed(cmd: list[str], cwd: Path, env: dict[str, str], n: int) -> list[float]:
    """Wall times of ``n`` runs; CPU times (user + sys of the process tree) go to CPU."""
    out = []
    for _ in range(n):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, env=env, check=True, capture_output=True)
        out.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        CPU.setdefault(" ".join(cmd[-3:]) + str(env.get("PYTHONPATH")), []).append(cpu)
    return out


def cpu_ms(cmd: list[str], env: dict[str, str]) -> float:
    return median_ms(CPU[" ".join(cmd[-3:]) + str(env.get("PYTHONPATH"))])


def new_repo(path: Path, env: dict[str, str]) -> Path:
    path.mkdir(parents=True)
    for args in (["init", "-q"], ["commit", "-q", "--allow-empty", "-m", "init"]):
        subprocess.run(["git", *args], cwd=path, env=env, check=True)
    return path


def bench_overhead(tmp: Path, n: int) -> dict[str, float]:
    env = hermetic_env(tmp / "home-o")
    repo = new_repo(tmp / "overhead", env)
    py = sys.executable
    run_true = [py, "-m", "gitml", "run", "--", "true"]
    timed(run_true, repo, env, 2)  # warm caches (bytecode, package list)
    bare = median_ms(timed(["true"], repo, env, n))
    plain = median_ms(timed(run_true, repo, env, n))
    subprocess.run([py, "-m", "gitml", "init"], cwd=repo, env=env, check=True, capture_output=True)
    subprocess.run(["git", "add", ".gitml"], cwd=repo, env=env, check=True)
    subprocess.run(["git", "commit", "-qm", "gitml"], cwd=repo, env=env, check=True)
    with_config = median_ms(timed(run_true, repo, env, n))
    return {
        "bare true": bare,
        "git ml run -- true, overhead": plain - bare,
        "git ml run -- true (with .gitml/config.toml), overhead": with_config - bare,
        "  CPU time, git ml run -- true": cpu_ms(run_true, env),
    }


def bench_log_metric(tmp: Path, calls: int) -> dict[str, float]:
    env = hermetic_env(tmp / "home-m")
    repo = new_repo(tmp / "metrics", env)
    script = (
        "import time, gitml\n"
        "gitml.log_metric('warm', 0)\n"
        "t = time.perf_counter()\n"
        f"for i in range({calls}):\n"
        "    gitml.log_metric('loss', 1.0 / (i + 1), step=i)\n"
        "print((time.perf_counter() - t) * 1000)\n"
    )
    one = "import gitml; gitml.log_metric('loss', 1.0)"
    py = sys.executable
    inside = []
    walls_many, walls_one = [], []
    for _ in range(5):
        start = time.perf_counter()
        proc = subprocess.run(
            [py, "-m", "gitml", "run", "--", py, "-c", script],
            cwd=repo,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        walls_many.append(time.perf_counter() - start)
        inside.append(float(proc.stdout.strip()))
        start = time.perf_counter()
        subprocess.run(
            [py, "-m", "gitml", "run", "--", py, "-c", one],
            cwd=repo,
            env=env,
            check=True,
            capture_output=True,
        )
        walls_one.append(time.perf_counter() - start)
    return {
        f"{calls} log_metric calls, in the script": statistics.median(inside),
        f"{calls} log_metric calls, whole run minus a 1-call run": median_ms(walls_many)
        - median_ms(walls_one),
    }


def record_api_runs(repo: Path, env: dict[str, str], n: int) -> float:
    """Record ``n`` runs in-process through ``gitml.start_run`` (seconds)."""
    code = (
        "import random, sys, time, gitml\n"
        f"n = {n}\n"
        "t = time.perf_counter()\n"
        "for i in range(n):\n"
        "    with gitml.start_run(params={'lr': random.choice([0.1, 0.01]), 'i': i}) as run:\n"
        "        run.log_metric('acc', random.random())\n"
        "        run.log_metric('loss', random.random())\n"
        "print(time.perf_counter() - t)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=repo, env=env, check=True, capture_output=True, text=True
    )
    return float(proc.stdout.strip().splitlines()[-1])


def fast_import_runs(repo: Path, env: dict[str, str], template: dict[str, object], n: int) -> None:
    """Add ``n`` synthetic run records to refs/gitml/runs in one fast-import commit."""
    sys.path.insert(0, str(ROOT))
    from gitml.records import codec, ids
    from gitml.storage.collection import shard_of

    tip = subprocess.run(
        ["git", "rev-parse", "refs/gitml/runs"], cwd=repo, env=env, capture_output=True, text=True
    ).stdout.strip()
    rng = random.Random(1)
    chunks = [
        "commit refs/gitml/runs\ncommitter Bench <b@example.com> 1700000000 +0000\n"
        f"data 11\nbulk import\nfrom {tip}\n"
    ]
    base_ms = int(time.time() * 1000) - n
    for i in range(n):
        doc = json.loads(json.dumps(template))
        doc["id"] = ids.new_id(base_ms + i)
        doc["name"] = f"bulk-{i}"
        doc["metrics"] = {"acc": rng.random(), "loss": rng.random()}
        doc["params"] = {"lr": rng.choice([0.1, 0.01, 0.001]), "i": i}
        doc["metric_stats"] = {
            k: {"first": v, "last": v, "min": v, "max": v, "steps": 1}
            for k, v in doc["metrics"].items()  # type: ignore[attr-defined]
        }
        data = codec.dump_bytes(doc)
        path = f"runs/{shard_of(str(doc['id']))}/{doc['id']}.toml"
        chunks.append(f"M 100644 inline {path}\ndata {len(data)}\n{data.decode()}\n")
    stream = "".join(chunks).encode()
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, env=env, input=stream, check=True)


def bench_queries(tmp: Path, n_api: int, n_where: int) -> dict[str, float]:
    env = hermetic_env(tmp / "home-q")
    repo = new_repo(tmp / "queries", env)
    results: dict[str, float] = {}
    seconds = record_api_runs(repo, env, n_api)
    results[f"record {n_api} runs through the API (s)"] = seconds
    py = sys.executable
    sys.path.insert(0, str(ROOT))
    from gitml.storage.index import INDEX_FILE

    index = repo / ".git" / "gitml" / INDEX_FILE
    ls = [py, "-m", "gitml", "ls"]
    cold = []
    for _ in range(3):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{index}{suffix}").unlink(missing_ok=True)
        cold.extend(timed(ls, repo, env, 1))
    results[f"git ml ls, {n_api} runs, cold"] = median_ms(cold)
    results[f"git ml ls, {n_api} runs, warm"] = median_ms(timed(ls, repo, env, 7))
    results["  CPU time, ls warm"] = cpu_ms(ls, env)
    where = [*ls, "--where", WHERE, "--sort", "-metrics.acc"]
    results[f"git ml ls --where, {n_api} runs, warm"] = median_ms(timed(where, repo, env, 7))
    doc = json.loads(
        subprocess.run(
            [*ls, "--json", "--limit", "1"],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )[0]
    fast_import_runs(repo, env, doc, n_where - n_api)
    timed(where, repo, env, 1)  # index the new records
    results[f"git ml ls --where, {n_where} runs, warm"] = median_ms(timed(where, repo, env, 7))
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="runs-", dir=WORK))
    n = 5 if args.quick else 21
    try:
        report: dict[str, float] = {}
        report.update(bench_overhead(tmp, n))
        report.update(bench_log_metric(tmp, 10_000))
        report.update(
            bench_queries(tmp, 200 if args.quick else 10_000, 2_000 if args.quick else 100_000)
        )
        load = os.getloadavg()[0]
        print(f"(load average at the end: {load:.1f} on {os.cpu_count()} cores)")
        width = max(len(k) for k in report)
        for key, value in report.items():
            unit = "" if key.endswith("(s)") else " ms"
            print(f"{key.ljust(width)}  {value:9.1f}{unit}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


MLFLOW_SCRIPT = """
import random, sys, time, mlflow
runs, calls, where = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
mlflow.set_tracking_uri(sys.argv[4])
t = time.perf_counter()
for i in range(runs):
    with mlflow.start_run():
        mlflow.log_params({"lr": random.choice([0.1, 0.01]), "i": i})
        mlflow.log_metric("acc", random.random())
        mlflow.log_metric("loss", random.random())
record = time.perf_counter() - t
with mlflow.start_run():
    mlflow.log_metric("warm", 0)
    t = time.perf_counter()
    for i in range(calls):
        mlflow.log_metric("loss", 1.0 / (i + 1), step=i)
    logging = time.perf_counter() - t
searches = []
for _ in range(5):
    t = time.perf_counter()
    mlflow.search_runs(filter_string=where, order_by=["metrics.acc DESC"])
    searches.append(time.perf_counter() - t)
print(record, logging, sorted(searches)[2])
"""


def bench_mlflow(tmp: Path, runs: int, calls: int) -> dict[str, float] | None:
    """MLflow on the same workload: (seconds per run recorded, log_metric ms, search ms)."""
    from anchors import anchor_bin

    mlflow = anchor_bin("mlflow", ["mlflow-skinny", "numpy", "pandas"], "mlflow")
    if mlflow is None:
        return None
    work = tmp / "mlflow"
    work.mkdir()
    env = {**os.environ, "MLFLOW_ALLOW_FILE_STORE": "true"}
    proc = subprocess.run(
        [str(mlflow.parent / "python"), "-c", MLFLOW_SCRIPT, str(runs), str(calls),
         MLFLOW_WHERE, (work / "mlruns").as_uri()],
        cwd=work, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    record, logging, search = (float(x) for x in proc.stdout.split()[-3:])
    return {"record_s": record, "log_metric_ms": logging * 1000, "search_ms": search * 1000}


def bench_dvc_show(tmp: Path, experiments: int) -> float | None:
    """``dvc exp show`` over ``experiments`` experiments of a one-stage pipeline (ms)."""
    from anchors import anchor_bin

    dvc = anchor_bin("dvc", ["dvc"], "dvc")
    if dvc is None:
        return None
    env = hermetic_env(tmp / "home-dvc")
    repo = new_repo(tmp / "dvc", env)
    subprocess.run([str(dvc), "init", "-q"], cwd=repo, env=env, check=True)
    (repo / "params.yaml").write_text("lr: 0.1\n")
    (repo / "train.py").write_text(
        "import json, random\njson.dump({'acc': random.random()}, open('metrics.json', 'w'))\n"
    )
    (repo / "dvc.yaml").write_text(
        "stages:\n  train:\n    cmd: python3 train.py\n    deps: [train.py]\n"
        "    params: [lr]\n    metrics:\n    - metrics.json:\n        cache: false\n"
    )
    for args in (["add", "-A"], ["commit", "-qm", "dvc"]):
        subprocess.run(["git", *args], cwd=repo, env=env, check=True)
    for i in range(experiments):
        subprocess.run(
            [str(dvc), "exp", "run", "-S", f"lr={0.2 + i / 1000}"],
            cwd=repo, env=env, check=True, capture_output=True,
        )  # fmt: skip
    show = [str(dvc), "exp", "show", "--no-pager", "--json"]
    return median_ms(timed(show, repo, env, 5))


def run(ctx: Any) -> list[Any]:
    """Entry point for ``bench/run.py runs``: #3's figures with MLflow and DVC beside them."""
    from run import Result

    n_api = 500 if ctx.quick else 10_000
    n_where = 5_000 if ctx.quick else 100_000
    calls = 10_000
    tmp = ctx.workdir
    results: list[Any] = []
    ctx.say(f"{calls} log_metric calls")
    logm = bench_log_metric(tmp, calls)
    added = logm[f"{calls} log_metric calls, whole run minus a 1-call run"]
    results.append(
        Result(
            f"{calls} log_metric under git ml run, added",
            added,
            "ms",
            f"<= {TARGETS['log_metric']:g} ms",
            added <= TARGETS["log_metric"],
            f"whole run minus a 1-call run, median of 5; in the script "
            f"{logm[f'{calls} log_metric calls, in the script']:.0f} ms",
        )
    )
    ctx.say(f"{n_api} API runs, then queries")
    q = bench_queries(tmp, n_api, n_where)
    api_s = q[f"record {n_api} runs through the API (s)"]
    per_10k = api_s * 10_000 / n_api
    results.append(
        Result(
            f"record {n_api} runs through gitml.start_run",
            api_s,
            "s",
            f"<= {TARGETS['api_runs'] * n_api / 10_000:g} s",
            per_10k <= TARGETS["api_runs"],
            f"{api_s / n_api * 1000:.1f} ms a run",
        )
    )
    rows = [
        (f"git ml ls, {n_api} runs, warm", "ls_warm", "median of 7"),
        (f"git ml ls, {n_api} runs, cold", "ls_cold", "index deleted first, median of 3"),
        (f"git ml ls --where, {n_api} runs, warm", None, "median of 7"),
        (f"git ml ls --where, {n_where} runs, warm", "where_100k", "median of 7"),
    ]
    for key, target, detail in rows:
        value = q[key]
        bound = TARGETS[target] if target else None
        results.append(
            Result(
                key,
                value,
                "ms",
                f"<= {bound:g} ms" if bound else "",
                value <= bound if bound else None,
                f"{detail}; --where {WHERE!r}" if "where" in key else detail,
            )
        )
    ml_runs = 100 if ctx.quick else 1_000
    ctx.say(f"MLflow: {ml_runs} runs, {calls} log_metric calls, search_runs")
    ml = bench_mlflow(tmp, ml_runs, calls)
    if ml is not None:
        results += [
            Result(
                f"mlflow: {calls} log_metric calls (in the script)",
                ml["log_metric_ms"],
                "ms",
                detail=f"{ml['log_metric_ms'] / max(added, 1):.0f}x gitml's added time",
            ),
            Result(
                f"mlflow: record {ml_runs} runs (fluent API)",
                ml["record_s"],
                "s",
                detail=f"{ml['record_s'] / ml_runs * 1000:.1f} ms a run "
                f"({ml['record_s'] / ml_runs / (api_s / n_api):.1f}x gitml's)",
            ),
            Result(
                f"mlflow: search_runs, {ml_runs} runs",
                ml["search_ms"],
                "ms",
                detail=f"same filter, ordered; median of 5 in one process (no start-up); "
                f"gitml ls --where over {n_api}: {q[f'git ml ls --where, {n_api} runs, warm']:.0f} ms",
            ),
        ]
    experiments = 5 if ctx.quick else 50
    ctx.say(f"DVC: {experiments} experiments, exp show")
    dvc_ms = bench_dvc_show(tmp, experiments)
    if dvc_ms is not None:
        results.append(
            Result(
                f"dvc exp show --json, {experiments} experiments",
                dvc_ms,
                "ms",
                detail=f"median of 5; gitml ls over {n_api}: {q[f'git ml ls, {n_api} runs, warm']:.0f} ms",
            )
        )
    return results


if __name__ == "__main__":
    main()
