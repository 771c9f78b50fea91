"""Benchmark tabular profiles and drift statistics on generated data.

Targets (issues 4 and 8, 2-core machine):
- profile of a 1M-row x 20-column CSV <= 3 s;
- compare of a 100k x 20 serving batch with the stored profile <= 1 s and <= 500 MB;
- 10M serving rows streamed with bounded memory.

Each case runs in a fresh interpreter so its peak RSS (resource.getrusage) is its own.
Generated files go to bench/.work/ (git-ignored). Usage:

    PYTHONPATH=. python bench/bench_tabular.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

WORK = Path(__file__).resolve().parent / ".work" / "tabular"
COLUMNS = 20


def make_table(seed: int, rows: int, shift: float = 0.0) -> Any:
    """12 numeric (normal, lognormal, uniform, rounded), 6 categorical, 1 boolean, 1 count."""
    import numpy as np
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    spec = np.random.default_rng(99)
    cols: dict[str, Any] = {}
    for i in range(12):
        kind = i % 4
        if kind == 0:
            x = rng.normal(i, 1 + i, rows)
        elif kind == 1:
            x = rng.lognormal(0, 0.7, rows)
        elif kind == 2:
            x = rng.uniform(-i, i + 1, rows)
        else:
            x = np.round(rng.normal(100, 15, rows), 2)
        if i == 0:
            x = x + shift * (1 + i)
        cols[f"num{i}"] = pa.array(x, mask=rng.random(rows) < 0.01)
    for i in range(6):
        k = 3 + 3 * i
        shares = spec.dirichlet(np.ones(k))
        labels = np.array([f"cat{i}_{j}" for j in range(k)], dtype=object)
        cols[f"cat{i}"] = pa.array(labels[rng.choice(k, rows, p=shares)], pa.string())
    cols["flag"] = pa.array(rng.random(rows) < 0.3)
    cols["count"] = pa.array(rng.poisson(3, rows))
    return pa.table(cols)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _prepare() -> None:
    import pyarrow.csv as pacsv

    from gitml.records.codec import dumps
    from gitml.tabular.profile import profile_table

    WORK.mkdir(parents=True, exist_ok=True)
    big = WORK / "train_1m.csv"
    if not big.exists():
        pacsv.write_csv(make_table(0, 1_000_000), big)
    train = WORK / "train_100k.csv"
    if not train.exists():
        pacsv.write_csv(make_table(1, 100_000), train)
    serve = WORK / "serve_100k.csv"
    if not serve.exists():
        pacsv.write_csv(make_table(2, 100_000, shift=0.5), serve)
    profile = WORK / "train_100k.profile.toml"
    if not profile.exists():
        profile.write_text(dumps(profile_table(train)))


def _case(name: str) -> dict[str, float]:
    """Run one measurement in this process and return its numbers."""
    from gitml.records.codec import loads

    if name == "prepare":
        _prepare()
        return {}
    base = _rss_mb()
    cpu0 = _cpu()
    if name == "profile_1m_csv":
        from gitml.tabular.profile import profile_table

        base = _rss_mb()
        cpu0 = _cpu()
        t0 = time.perf_counter()
        profile_table(WORK / "train_1m.csv")
        seconds = time.perf_counter() - t0
    elif name in ("compare_100k_table", "compare_100k_csv"):
        from gitml.tabular import _deps
        from gitml.tabular.drift import compare
        from gitml.tabular.serving import ServingAccumulator

        _deps.require()  # a monitor process has pyarrow loaded; time the comparison only
        profile = loads((WORK / "train_100k.profile.toml").read_text(), where="profile")
        table = make_table(2, 100_000, shift=0.5) if name.endswith("table") else None
        base = _rss_mb()
        cpu0 = _cpu()
        t0 = time.perf_counter()
        if table is not None:
            acc = ServingAccumulator(profile)
            acc.update(table)
            findings = compare(profile, acc)
        else:
            findings = compare(profile, WORK / "serve_100k.csv")
        seconds = time.perf_counter() - t0
        assert {f.column for f in findings if f.alert} == {"num0"}, findings
    elif name == "stream_10m":
        from gitml.tabular.drift import compare
        from gitml.tabular.serving import ServingAccumulator

        profile = loads((WORK / "train_100k.profile.toml").read_text(), where="profile")
        acc = ServingAccumulator(profile)
        seconds = cpu = 0.0
        rss_at_1m = 0.0
        for i in range(100):
            batch = make_table(1000 + i, 100_000)
            cpu0 = _cpu()
            t0 = time.perf_counter()
            acc.update(batch)
            seconds += time.perf_counter() - t0
            cpu += _cpu() - cpu0
            del batch
            if i == 9:
                rss_at_1m = _rss_mb()
        compare(profile, acc)
        return {
            "seconds": seconds,
            "cpu_s": cpu,
            "rss_after_1m_rows_mb": rss_at_1m,
            "peak_rss_after_10m_rows_mb": _rss_mb(),
        }
    else:
        raise SystemExit(f"unknown case {name!r}")
    return {
        "seconds": seconds,
        "cpu_s": _cpu() - cpu0,
        "peak_rss_mb": _rss_mb(),
        "rss_before_mb": base,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", help="run one case in this process (internal)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.case:
        result = _case(args.case)
        if result:
            print(json.dumps(result))
        return
    subprocess.run([sys.executable, __file__, "--case", "prepare"], check=True)
    size = (WORK / "train_1m.csv").stat().st_size / 1e6
    print(f"1M x {COLUMNS} CSV: {size:.0f} MB")
    for name in ("profile_1m_csv", "compare_100k_table", "compare_100k_csv", "stream_10m"):
        repeats = 1 if name == "stream_10m" else args.repeat
        runs = []
        for _ in range(repeats):
            out = subprocess.run(
                [sys.executable, __file__, "--case", name],
                check=True,
                capture_output=True,
                text=True,
            )
            runs.append(json.loads(out.stdout))
        times = [r["seconds"] for r in runs]
        extra = {k: round(v, 2) for k, v in runs[-1].items() if k != "seconds"}
        print(
            f"{name:20s} median {statistics.median(times):6.3f} s  "
            f"(runs: {', '.join(f'{t:.3f}' for t in times)})  {extra}"
        )


if __name__ == "__main__":
    main()
