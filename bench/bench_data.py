"""Benchmark the data layer against its targets, with ``xxh128sum`` as the physical reference.

Generates a 1 GiB file and 20,000 files of 4 KiB in a temporary directory, syncs them to
disk and reads them once (so they sit clean in the page cache), then prints the median of
several runs for:

* hashing 1 GiB (throughput vs ``xxh128sum``; target >= 0.8x)
* adding 1 GiB: hash + store in a fresh cache (target <= 0.6 s)
* adding 20,000 x 4 KiB: hash + store in a fresh cache (target <= 1.5 s)
* a clean status of those 20,000 files through the stat cache (target <= 0.2 s)

Run: ``PYTHONPATH=. python bench/bench_data.py [--runs 5] [--dir /path/on/target/fs]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from gitml.data.cache import Cache, LinkMode
from gitml.data.digest import hash_file
from gitml.data.ingest import add_files, list_files
from gitml.data.statcache import StatCache, hash_with_cache

GIB = 1 << 30
SMALL_COUNT = 20_000
SMALL_SIZE = 4096


def median_time(
    fn: Callable[[], object], runs: int, setup: Callable[[], object] | None = None
) -> float:
    times = []
    for _ in range(runs):
        if setup is not None:
            setup()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def generate(root: Path) -> tuple[Path, list[str]]:
    big = root / "big.bin"
    block = os.urandom(1 << 20)
    with big.open("wb") as f:
        for i in range(GIB >> 20):
            f.write(i.to_bytes(8, "little") + block[8:])
    small_dir = root / "small"
    for i in range(SMALL_COUNT):
        sub = small_dir / f"{i // 1000:02}"
        if i % 1000 == 0:
            sub.mkdir(parents=True)
        (sub / f"{i:05}.bin").write_bytes(i.to_bytes(8, "little") + block[8:SMALL_SIZE])
    os.sync()
    hash_file(big)  # warm the page cache
    rels = list_files(root, ["small"])
    for rel in rels:
        (root / rel).read_bytes()
    return big, rels


def reset(root: Path, state: Path, rels: list[str]) -> None:
    """Drop cache and stat cache; give the work tree back its writable, unlinked files."""
    shutil.rmtree(state, ignore_errors=True)
    for rel in rels:
        os.chmod(root / rel, 0o644)
    os.sync()  # start clean: no dirty metadata from the reset left to flush


def xxh128sum_time(args: list[str], cwd: Path, runs: int) -> float | None:
    if shutil.which("xxh128sum") is None:
        return None
    cmd = ["xxh128sum", *args]
    return median_time(
        lambda: subprocess.run(
            cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        ),
        runs,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dir", type=Path, default=None, help="where to generate (default: tmp)")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="gitml-bench-", dir=args.dir))
    state = root / ".git" / "gitml"
    try:
        t0 = time.perf_counter()
        big, rels = generate(root)
        print(
            f"generated 1 GiB + {SMALL_COUNT:,} x 4 KiB in {root} ({time.perf_counter() - t0:.1f} s)"
        )
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(
            f"median of {args.runs} runs, {os.cpu_count()} CPUs, load average {load}, "
            f"Python {sys.version.split()[0]}\n"
        )
        rows: list[tuple[str, str, str, str]] = []

        ref_big = xxh128sum_time([big.name], root, args.runs)
        ours_big = median_time(lambda: hash_file(big), args.runs)
        ratio = f"{ref_big / ours_big:.2f}x" if ref_big else "n/a"
        rows.append(
            ("xxh128sum 1 GiB (reference)", f"{ref_big:.3f} s" if ref_big else "missing", "", "")
        )
        rows.append(("hash 1 GiB", f"{ours_big:.3f} s", f"{ratio} of xxh128sum", ">= 0.8x"))

        methods: set[str] = set()

        def add_big(link: LinkMode = LinkMode.AUTO) -> None:
            with StatCache(state) as sc:
                result = add_files(root, ["big.bin"], Cache(state / "cache", link=link), sc)
            methods.update(result.stored.values())

        t = median_time(add_big, args.runs, setup=lambda: reset(root, state, ["big.bin"]))
        rows.append((f"add 1 GiB ({'/'.join(sorted(methods))})", f"{t:.3f} s", "", "<= 0.6 s"))
        methods.clear()
        t = median_time(
            lambda: add_big(LinkMode.COPY), 3, setup=lambda: reset(root, state, ["big.bin"])
        )
        rows.append(("add 1 GiB, copy mode + fsync (info)", f"{t:.3f} s", "", ""))

        small_args = [str(Path(r).relative_to("small")) for r in rels]
        ref_small = xxh128sum_time(small_args, root / "small", args.runs)
        rows.append(
            (
                "xxh128sum 20k x 4 KiB (reference)",
                f"{ref_small:.3f} s" if ref_small else "missing",
                "",
                "",
            )
        )
        methods.clear()

        def add_small() -> None:
            with StatCache(state) as sc:
                result = add_files(root, rels, Cache(state / "cache"), sc)
            methods.update(result.stored.values())

        t = median_time(add_small, args.runs, setup=lambda: reset(root, state, rels))
        rows.append(
            (f"add 20k x 4 KiB ({'/'.join(sorted(methods))})", f"{t:.3f} s", "", "<= 1.5 s")
        )

        rehashed: list[int] = []

        def status() -> None:
            with StatCache(state) as sc:
                rehashed.append(len(hash_with_cache(root, rels, sc).rehashed))

        time.sleep(0.05)  # let the stamp move past the last add (racy rule)
        status()  # one warm-up pass
        t = median_time(status, args.runs)
        rows.append((f"clean status 20k (rehashed {max(rehashed)})", f"{t:.3f} s", "", "<= 0.2 s"))

        width = max(len(r[0]) for r in rows)
        for name, value, note, target in rows:
            print(f"{name:<{width}}  {value:>9}  {note:<22} {target}")
    finally:
        for rel in rels if "rels" in locals() else []:
            os.chmod(root / rel, 0o644)
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
