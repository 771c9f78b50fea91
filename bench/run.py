"""Run named benchmark groups, print a table and save the results as JSON.

    python bench/run.py                 # every group
    python bench/run.py storage         # one group
    python bench/run.py storage --quick # smaller sizes, for a smoke run
    python bench/run.py sync --quick --no-save --ignore-targets   # the smoke CI runs
    python bench/run.py scale --runs 10000,100000 --against main
    python bench/run.py --list

A group is a module ``bench/bench_<name>.py`` with ``run(ctx: Context) -> list[Result]``.
Results go to ``bench/results/<group>-<UTC time>.json`` (with machine facts) unless
``--no-save``. Scratch repositories live under ``bench/.work/`` (or ``--workdir``) and are
deleted afterwards unless ``--keep``. Benchmarks are not part of the test run.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))


@dataclass
class Result:
    """One measured number; ``target`` is a bound like ``<= 5 ms`` and ``ok`` whether it held."""

    name: str
    value: float
    unit: str
    target: str = ""
    ok: bool | None = None
    detail: str = ""


@dataclass
class Context:
    workdir: Path
    quick: bool
    log: list[str] = field(default_factory=list)
    against: tuple[str, ...] = ()
    runs: tuple[int, ...] = ()
    build_dir: Path | None = None
    _builds: list[Any] = field(default_factory=list)

    def builds(self) -> list[Any]:
        """gitml installed from wheels: this checkout first, then each ``--against`` revision."""
        if not self._builds:
            from builds import install

            where = self.build_dir or self.workdir
            self._builds.extend(install(where, rev) for rev in (None, *self.against))
        return self._builds

    def say(self, message: str) -> None:
        """Progress on stderr (tables go to stdout)."""
        self.log.append(message)
        print(f"  .. {message}", file=sys.stderr, flush=True)


def available_groups() -> list[str]:
    """Modules ``bench_<name>.py`` that define ``run(ctx)`` (the others are standalone scripts)."""
    return sorted(
        p.stem.removeprefix("bench_")
        for p in BENCH_DIR.glob("bench_*.py")
        if "\ndef run(ctx" in p.read_text("utf-8")
    )


def machine() -> dict[str, object]:
    def version(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip()
        except OSError:
            return "?"

    import pygit2

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "git": version(["git", "--version"]),
        "pygit2": pygit2.__version__,
        "libgit2": pygit2.LIBGIT2_VERSION,
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


def format_table(group: str, results: list[Result]) -> str:
    rows = [("benchmark", "value", "target", "ok", "detail")]
    for r in results:
        value = f"{r.value:,.3f}".rstrip("0").rstrip(".") + f" {r.unit}"
        ok = "" if r.ok is None else ("yes" if r.ok else "NO")
        rows.append((r.name, value, r.target, ok, r.detail))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = [f"## {group}", ""]
    for n, row in enumerate(rows):
        lines.append("| " + " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) + " |")
        if n == 0:
            lines.append("| " + " | ".join("-" * w for w in widths) + " |")
    return "\n".join(lines)


def _counts(text: str) -> tuple[int, ...]:
    try:
        counts = tuple(int(part.replace("_", "")) for part in text.split(",") if part.strip())
    except ValueError:
        counts = ()
    if not counts or min(counts) < 2:
        raise argparse.ArgumentTypeError(f"{text!r}: give counts of 2 or more, e.g. 10000,100000")
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("groups", nargs="*", help="groups to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="smaller sizes (smoke run)")
    parser.add_argument("--list", action="store_true", help="list groups and exit")
    parser.add_argument("--workdir", type=Path, default=BENCH_DIR / ".work")
    parser.add_argument("--keep", action="store_true", help="keep scratch repositories")
    parser.add_argument("--no-save", action="store_true", help="do not write bench/results/")
    parser.add_argument(
        "--ignore-targets",
        action="store_true",
        help="exit 0 when a target is missed (a smoke run on a loaded machine); errors still fail",
    )
    parser.add_argument(
        "--against",
        action="append",
        default=[],
        metavar="REV",
        help="also build REV of this repository and time it side by side (repeatable)",
    )
    parser.add_argument(
        "--runs",
        type=_counts,
        default=(),
        metavar="N[,N...]",
        help="record counts for groups that take them (scale), e.g. 10000,100000",
    )
    args = parser.parse_args(argv)
    groups = available_groups()
    if args.list:
        print("\n".join(groups))
        return 0
    unknown = sorted(set(args.groups) - set(groups))
    if unknown:
        parser.error(f"unknown group(s) {', '.join(unknown)}; known: {', '.join(groups)}")
    args.workdir.mkdir(parents=True, exist_ok=True)
    # Measure what an installed gitml does: pip writes bytecode at install time, so
    # commands never compile their modules (some shells set PYTHONDONTWRITEBYTECODE).
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    import compileall

    compileall.compile_dir(ROOT / "gitml", quiet=1)
    status = 0
    build_dir = Path(tempfile.mkdtemp(prefix="builds-", dir=args.workdir))
    shared: list[Any] = []
    try:
        status = _run_groups(args, args.groups or groups, build_dir, shared)
    finally:
        if not args.keep:
            shutil.rmtree(build_dir, ignore_errors=True)
    return status


def _run_groups(
    args: argparse.Namespace, names: list[str], build_dir: Path, shared: list[Any]
) -> int:
    status = 0
    for group in names:
        module = importlib.import_module(f"bench_{group}")
        workdir = Path(tempfile.mkdtemp(prefix=f"{group}-", dir=args.workdir))
        ctx = Context(
            workdir=workdir,
            quick=args.quick,
            against=tuple(args.against),
            runs=args.runs,
            build_dir=build_dir,
            _builds=shared,
        )
        started = time.time()
        print(f"running {group} in {workdir}", file=sys.stderr, flush=True)
        try:
            results: list[Result] = module.run(ctx)
        finally:
            if not args.keep:
                shutil.rmtree(workdir, ignore_errors=True)
        elapsed = time.time() - started
        print(format_table(group, results))
        print(f"\n({group}: {elapsed:.0f} s{', quick' if args.quick else ''})\n")
        if any(r.ok is False for r in results) and not args.ignore_targets:
            status = 1
        if not args.no_save:
            out_dir = BENCH_DIR / "results"
            out_dir.mkdir(exist_ok=True)
            stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(started))
            suffix = "-quick" if args.quick else ""
            path = out_dir / f"{group}-{stamp}{suffix}.json"
            if path.exists():  # two runs of a group started in the same second
                path = out_dir / f"{group}-{stamp}{suffix}-{os.getpid()}.json"
            payload = {
                "group": group,
                "started": stamp,
                "seconds": round(elapsed, 1),
                "quick": args.quick,
                "builds": [b.label for b in shared],
                "machine": machine(),
                "results": [asdict(r) for r in results],
            }
            path.write_text(json.dumps(payload, indent=2) + "\n")
            print(f"saved {path.relative_to(ROOT)}", file=sys.stderr)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
