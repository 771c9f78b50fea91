"""Benchmark the data layer against its targets, with ``xxh128sum`` as the physical reference.

Generates a 1 GiB file and 20,000 files of 4 KiB in a temporary directory, syncs them to
disk and reads them once (so they sit clean in the page cache), then prints the median of
several runs for:

* hashing 1 GiB (throughput vs ``xxh128sum``, run alternately with it; target >= 0.8x)
* adding 1 GiB: hash + store in a fresh cache and stat cache (target <= 0.6 s)
* adding 20,000 x 4 KiB: hash + store in a fresh cache and stat cache (target <= 1.5 s)
* a clean status of those 20,000 files through the stat cache (target <= 0.2 s)

Each row shows wall time and CPU time (user + system, this process and its children).
On a shared machine wall time includes waiting for a CPU; CPU time does not.

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

from gitml.objects.cache import Cache, LinkMode
from gitml.objects.digest import hash_file
from gitml.objects.ingest import add_files, list_files
from gitml.objects.statcache import StatCache, hash_with_cache

GIB = 1 << 30
SMALL_COUNT = 20_000
SMALL_SIZE = 4096


def cpu_now() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def measure(
    fn: Callable[[], object], setup: Callable[[], object] | None = None
) -> tuple[float, float]:
    """One run: (wall seconds, CPU seconds)."""
    if setup is not None:
        setup()
    wall, cpu = time.perf_counter(), cpu_now()
    fn()
    return time.perf_counter() - wall, cpu_now() - cpu


def medians(samples: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


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


def xxh128sum(args: list[str], cwd: Path) -> Callable[[], object]:
    cmd = ["xxh128sum", *args]
    return lambda: subprocess.run(
        cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str, str]] = []

    def add(self, name: str, times: tuple[float, float], note: str = "", target: str = "") -> None:
        self.rows.append((name, f"{times[0]:.3f} s", f"{times[1]:.3f} s", note, target))

    def print(self) -> None:
        width = max(len(r[0]) for r in self.rows)
        print(f"{'':<{width}}  {'wall':>9}  {'cpu':>9}  {'':<20}  target")
        for name, wall, cpu, note, target in self.rows:
            print(f"{name:<{width}}  {wall:>9}  {cpu:>9}  {note:<20}  {target}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dir", type=Path, default=None, help="where to generate (default: tmp)")
    args = parser.parse_args()
    runs = args.runs
    have_ref = shutil.which("xxh128sum") is not None
    root = Path(tempfile.mkdtemp(prefix="gitml-bench-", dir=args.dir))
    state = root / ".git" / "gitml"
    rels: list[str] = []
    try:
        t0 = time.perf_counter()
        big, rels = generate(root)
        print(
            f"generated 1 GiB + {SMALL_COUNT:,} x 4 KiB in {root} ({time.perf_counter() - t0:.1f} s)"
        )
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(
            f"median of {runs} runs, {os.cpu_count()} CPUs, load average {load}, Python {sys.version.split()[0]}\n"
        )
        table = Table()

        # Hashing throughput: ours and the reference alternate, so both see the same load.
        ours, ref = [], []
        for _ in range(runs):
            ours.append(measure(lambda: hash_file(big)))
            if have_ref:
                ref.append(measure(xxh128sum([big.name], root)))
        ours_m = medians(ours)
        if have_ref:
            ref_m = medians(ref)
            table.add("xxh128sum 1 GiB (reference)", ref_m)
            table.add("hash 1 GiB", ours_m, f"{ref_m[0] / ours_m[0]:.2f}x xxh128sum", ">= 0.8x")
        else:
            table.add("hash 1 GiB", ours_m, "no xxh128sum", ">= 0.8x")

        methods: set[str] = set()

        def add(paths: list[str], link: LinkMode = LinkMode.AUTO) -> Callable[[], None]:
            def run() -> None:
                with StatCache(state) as sc:
                    result = add_files(root, paths, Cache(state / "cache", link=link), sc)
                methods.update(result.stored.values())

            return run

        samples = [
            measure(add(["big.bin"]), lambda: reset(root, state, ["big.bin"])) for _ in range(runs)
        ]
        table.add(f"add 1 GiB ({'/'.join(sorted(methods))})", medians(samples), "", "<= 0.6 s")
        methods.clear()
        samples = [
            measure(add(["big.bin"], LinkMode.COPY), lambda: reset(root, state, ["big.bin"]))
            for _ in range(3)
        ]
        table.add("add 1 GiB, copy + fsync (info)", medians(samples))

        if have_ref:
            small_args = [str(Path(r).relative_to("small")) for r in rels]
            samples = [measure(xxh128sum(small_args, root / "small")) for _ in range(runs)]
            table.add("xxh128sum 20k x 4 KiB (reference)", medians(samples))
        methods.clear()
        samples = [measure(add(rels), lambda: reset(root, state, rels)) for _ in range(runs)]
        table.add(
            f"add 20k x 4 KiB ({'/'.join(sorted(methods))})", medians(samples), "", "<= 1.5 s"
        )

        rehashed: list[int] = []

        def status() -> None:
            with StatCache(state) as sc:
                rehashed.append(len(hash_with_cache(root, rels, sc).rehashed))

        time.sleep(0.05)  # let the filesystem clock move past the add (racy rule)
        status()  # warm-up
        samples = [measure(status) for _ in range(runs)]
        table.add(f"clean status 20k (rehashed {max(rehashed)})", medians(samples), "", "<= 0.2 s")
        table.print()
    finally:
        for rel in rels:
            os.chmod(root / rel, 0o644)
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
