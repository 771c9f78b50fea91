"""Benchmark ``git ml monitor`` end to end through the command line.

Target (issue 8, 2-core machine): a 100k x 20 serving batch against the stored training
profile <= 1 s wall and <= 500 MB peak RSS, for the whole ``git ml monitor`` process
(interpreter start-up, lineage lookup, streaming the CSV, statistics, storing the report).

A scratch project under bench/.work/monitor: 100k x 20 training CSV (bench_tabular's
generator), its profile stored on refs/gitml/data (by ``git ml data add`` when data
versioning is installed, else directly at the same path), a run with ``-i train.csv``,
a registered version; then the serving batch (one numeric column shifted 0.5 sd) is
checked ``--repeat`` times, each in a new process whose peak RSS is read with wait4.

    PYTHONPATH=. python bench/bench_monitor.py [--repeat 5]
    PYTHONPATH=. python bench/run.py monitor
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
from typing import Any

from common import hermetic_env

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
for entry in (str(ROOT), str(BENCH)):
    if entry not in sys.path:
        sys.path.insert(0, entry)

ROWS = 100_000


def _sh(cmd: list[str], cwd: Path, env: dict[str, str], ok: tuple[int, ...] = (0,)) -> str:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode not in ok:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()}")
    return proc.stdout


def _gitml(args: list[str], cwd: Path, env: dict[str, str], ok: tuple[int, ...] = (0,)) -> str:
    return _sh([sys.executable, "-m", "gitml", *args], cwd, env, ok)


def _store_profile(repo: Path, data: Path, env: dict[str, str]) -> str:
    probe = subprocess.run(
        [sys.executable, "-m", "gitml", "data", "-h"], cwd=repo, env=env, capture_output=True
    )
    if probe.returncode == 0:
        _gitml(["data", "add", data.name], repo, env)
        return "git ml data add"
    from gitml.records import codec
    from gitml.runs.digests import path_digest
    from gitml.storage import DATA_REF
    from gitml.storage.collection import Collection, shard_of
    from gitml.storage.repo import open_repo
    from gitml.tabular.profile import profile_table

    hexpart = path_digest(data).split(":", 1)[1]
    Collection(open_repo(repo), DATA_REF, "data", sharded=False).put(
        f"profiles/{shard_of(hexpart)}/{hexpart}.toml",
        codec.dump_bytes(profile_table(data)),
        "bench: training profile",
    )
    return "stored directly"


def setup(work: Path) -> tuple[Path, dict[str, str], Path]:
    import pyarrow.csv as pacsv
    from bench_tabular import make_table

    shutil.rmtree(work, ignore_errors=True)
    repo = work / "repo"
    repo.mkdir(parents=True)
    env = hermetic_env(work / "home")
    _sh(["git", "init", "-q"], repo, env)
    _sh(["git", "commit", "-q", "--allow-empty", "-m", "init"], repo, env)
    _gitml(["init"], repo, env)
    (repo / ".gitignore").write_text("model.bin\nserving.csv\n")
    _sh(["git", "add", "-A"], repo, env)
    _sh(["git", "commit", "-q", "-m", "gitml"], repo, env)
    pacsv.write_csv(make_table(1, ROWS), repo / "train.csv")
    how = _store_profile(repo, repo / "train.csv", env)
    _gitml(
        [
            "run",
            "-i",
            "train.csv",
            "-o",
            "model.bin",
            "--",
            sys.executable,
            "-c",
            "open('model.bin', 'w').write('m')",
        ],
        repo,
        env,
    )
    run_id = json.loads(_gitml(["ls", "--json"], repo, env))[0]["id"]
    _gitml(["model", "register", "churn", "--run", run_id, "--version", "1"], repo, env)
    serving = repo / "serving.csv"
    pacsv.write_csv(make_table(2, ROWS, shift=0.5), serving)
    print(f"  .. profile {how}", file=sys.stderr)
    return repo, env, serving


def measure(
    repo: Path, env: dict[str, str], serving: Path
) -> tuple[float, float, float, dict[str, Any]]:
    """(wall s, CPU s, peak RSS MB, report) of one ``git ml monitor`` process."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gitml", "monitor", "churn:1", "--data", str(serving), "--json"],
        cwd=repo,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    out, err = proc.stdout.read(), proc.stderr.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code
    if code not in (0, 2):
        raise SystemExit(f"git ml monitor failed ({code}): {err.decode().strip()}")
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_maxrss / 1024, json.loads(out)


EVIDENTLY = BENCH / ".work" / "evidently" / "bin" / "python"
EVIDENTLY_SCRIPT = """
import sys, time
import pandas as pd
try:
    from evidently import Report
    from evidently.presets import DataDriftPreset
    def run(ref, cur):
        return Report([DataDriftPreset()]).run(cur, ref)
except ImportError:
    from evidently.report import Report
    from evidently.metric_preset import DataDriftPreset
    def run(ref, cur):
        r = Report(metrics=[DataDriftPreset()]); r.run(reference_data=ref, current_data=cur); return r
ref = pd.read_csv(sys.argv[1]); cur = pd.read_csv(sys.argv[2])
run(ref, cur)
"""


def evidently_side_by_side(repo: Path, serving: Path, repeat: int) -> list[dict[str, Any]]:
    """Evidently's DataDriftPreset on the same frames (it needs the raw reference data),
    from its own venv under bench/.work/evidently; skipped when that venv is absent.

    Make it with: python3 -m venv bench/.work/evidently &&
    bench/.work/evidently/bin/pip install evidently 'pandas<3'   (0.7.23 needs pandas 2)
    """
    if not EVIDENTLY.exists():
        return []
    walls, rss = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.Popen(
            [str(EVIDENTLY), "-c", EVIDENTLY_SCRIPT, str(repo / "train.csv"), str(serving)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        assert proc.stderr is not None
        err = proc.stderr.read()
        _pid, status, usage = os.wait4(proc.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"evidently failed: {err.decode().strip()[-400:]}")
        walls.append(time.perf_counter() - start)
        rss.append(usage.ru_maxrss / 1024)
    return [
        {
            "name": "Evidently DataDriftPreset, same frames (median wall)",
            "value": statistics.median(walls),
            "unit": "s",
            "detail": f"peak RSS {max(rss):.0f} MB; reads the raw 100k x 20 reference too",
        }
    ]


def bench(work: Path, repeat: int) -> list[dict[str, Any]]:
    repo, env, serving = setup(work)
    walls, cpus, rss = [], [], []
    report: dict[str, Any] = {}
    for _ in range(repeat):
        wall, cpu, peak, report = measure(repo, env, serving)
        walls.append(wall)
        cpus.append(cpu)
        rss.append(peak)
    flagged = sorted({f["column"] for f in report["findings"] if f["alert"]})
    return [
        {
            "name": "monitor 100k x 20 CSV (median wall)",
            "value": statistics.median(walls),
            "unit": "s",
            "target": "<= 1 s",
            "ok": statistics.median(walls) <= 1.0,
            "detail": f"min {min(walls):.3f} s over {repeat}; flagged {flagged}",
        },
        {
            "name": "monitor 100k x 20 CSV (median CPU, user+sys)",
            "value": statistics.median(cpus),
            "unit": "s",
            "detail": "steadier than wall on a shared machine; importing pyarrow is ~0.3 s",
        },
        {
            "name": "monitor 100k x 20 CSV (peak RSS)",
            "value": max(rss),
            "unit": "MB",
            "target": "<= 500 MB",
            "ok": max(rss) <= 500,
        },
        *evidently_side_by_side(repo, serving, repeat),
    ]


def run(ctx: Any) -> list[Any]:
    """Entry point for bench/run.py."""
    from run import Result

    rows = bench(ctx.workdir / "monitor", 2 if ctx.quick else 5)
    return [Result(**r) for r in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    for row in bench(BENCH / ".work" / "monitor", args.repeat):
        print(json.dumps(row))


if __name__ == "__main__":
    main()
