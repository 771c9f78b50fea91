"""``git ml data`` through the real CLI, side by side with DVC and ``xxh128sum``.

Every timed step is one process, as a user runs it: ``python -m gitml data add|status``
against ``dvc add|status`` on identical data in a sibling repository, and ``xxh128sum``
as the physical floor. Data: a 1 GiB file and 20,000 files of 4 KiB (``--quick``: 128 MiB
and 2,000), written once, synced and read so they sit clean in the page cache.

Before each ``add`` the cache, the stat cache and the records are removed (``dvc``: its
cache, its ``.dvc`` files and its state database), so every add hashes and stores
everything. ``status`` is timed after an add (clean), and after touching one file.

Content enters gitml's cache by reflink, else a read-only hard link, else a copy. Root is
not stopped by read-only files, so as root ``auto`` means reflink-or-copy; this benchmark
then times ``--link hardlink`` (the designed path) and, as an extra row, ``--link copy``.
DVC runs with its default cache type (reflink, else copy). DVC is optional: create its
venv with ``python3 -m venv bench/.work/dvc && bench/.work/dvc/bin/pip install dvc``.

    PYTHONPATH=$PWD python bench/run.py data_cli [--quick]
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from run import BENCH_DIR, ROOT, Context, Result

DVC = BENCH_DIR / ".work" / "dvc" / "bin" / "dvc"
GIB = 1 << 30


def _env() -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GIT_CONFIG_NOSYSTEM": "1"}
    env.update(
        GIT_AUTHOR_NAME="bench",
        GIT_AUTHOR_EMAIL="bench@localhost",
        GIT_COMMITTER_NAME="bench",
        GIT_COMMITTER_EMAIL="bench@localhost",
        DVC_NO_ANALYTICS="1",
    )
    return env


def sh(args: Sequence[str], cwd: Path) -> None:
    subprocess.run(
        args, cwd=cwd, env=_env(), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )


def children_cpu() -> float:
    t = os.times()
    return t.children_user + t.children_system


def measure(
    args: Sequence[str], cwd: Path, runs: int, setup: Callable[[], object] | None = None
) -> tuple[float, float]:
    """Median wall and CPU seconds (user + system) of ``runs`` runs of one command.

    On a shared machine wall time includes waiting for a CPU; CPU time does not.
    """
    walls, cpus = [], []
    for _ in range(runs):
        if setup is not None:
            setup()
        cpu = children_cpu()
        start = time.perf_counter()
        sh(args, cwd)
        walls.append(time.perf_counter() - start)
        cpus.append(children_cpu() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def generate(root: Path, big_bytes: int, small_count: int) -> None:
    block = os.urandom(1 << 20)
    with (root / "big.bin").open("wb") as f:
        for i in range(big_bytes >> 20):
            f.write(i.to_bytes(8, "little") + block[8:])
    for i in range(small_count):
        sub = root / "small" / f"{i // 1000:02}"
        if i % 1000 == 0:
            sub.mkdir(parents=True)
        (sub / f"{i:05}.bin").write_bytes(i.to_bytes(8, "little") + block[8:4096])


def warm(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file() and ".git" not in path.parts:
            with path.open("rb") as f:
                while f.read(1 << 24):
                    pass


def make_repo(path: Path) -> None:
    path.mkdir(parents=True)
    sh(["git", "init", "-q"], path)
    sh(["git", "commit", "-q", "--allow-empty", "-m", "init"], path)


def writable(paths: Sequence[Path]) -> None:
    for top in paths:
        for path in [top, *top.rglob("*")] if top.is_dir() else [top]:
            if path.is_file():
                path.chmod(0o644)


def reset_gitml(repo: Path, target: str) -> Callable[[], None]:
    def reset() -> None:
        shutil.rmtree(repo / ".git" / "gitml", ignore_errors=True)
        shutil.rmtree(repo / ".gitml", ignore_errors=True)
        (repo / ".gitignore").unlink(missing_ok=True)
        subprocess.run(
            ["git", "update-ref", "-d", "refs/gitml/data"], cwd=repo, check=False, env=_env()
        )
        writable([repo / target])
        os.sync()

    return reset


def reset_dvc(repo: Path, target: str) -> Callable[[], None]:
    def reset() -> None:
        shutil.rmtree(repo / ".dvc" / "cache", ignore_errors=True)
        shutil.rmtree(repo / ".dvc" / "site", ignore_errors=True)
        for pointer in (repo / "big.bin.dvc", repo / "small.dvc"):
            pointer.unlink(missing_ok=True)
        (repo / ".gitignore").unlink(missing_ok=True)
        writable([repo / target])
        os.sync()

    return reset


def run(ctx: Context) -> list[Result]:
    runs = 3 if ctx.quick else 5
    big_bytes = (128 << 20) if ctx.quick else GIB
    small_count = 2000 if ctx.quick else 20_000
    big_label = "128 MiB" if ctx.quick else "1 GiB"
    small_label = f"{small_count:,} x 4 KiB"
    gitml_repo = ctx.workdir / "gitml"
    make_repo(gitml_repo)
    ctx.say(f"generating {big_label} + {small_label}")
    generate(gitml_repo, big_bytes, small_count)
    have_dvc = DVC.exists()
    dvc_repo = ctx.workdir / "dvc"
    if have_dvc:
        make_repo(dvc_repo)
        shutil.copy(gitml_repo / "big.bin", dvc_repo / "big.bin")
        shutil.copytree(gitml_repo / "small", dvc_repo / "small")
        sh([str(DVC), "init", "-q"], dvc_repo)
        sh([str(DVC), "config", "core.site_cache_dir", str(dvc_repo / ".dvc" / "site")], dvc_repo)
        sh([str(DVC), "config", "core.analytics", "false"], dvc_repo)
    os.sync()
    warm(ctx.workdir)
    gitml = [sys.executable, "-m", "gitml"]
    root_user = os.geteuid() == 0
    link = ["--link", "hardlink"] if root_user else []
    link_note = "--link hardlink (root)" if root_user else "auto"
    results: list[Result] = []

    def compare(
        name: str,
        ours: tuple[float, float],
        target: float,
        dvc: tuple[float, float] | None,
        ref: tuple[float, float] | None,
    ) -> None:
        parts = [f"cpu {ours[1]:.3f} s"]
        if dvc is not None:
            parts.append(f"dvc {dvc[0]:.3f} s, cpu {dvc[1]:.3f} s ({dvc[0] / ours[0]:.1f}x)")
        if ref is not None:
            parts.append(f"xxh128sum {ref[0]:.3f} s")
        results.append(
            Result(name, ours[0], "s", f"<= {target} s", ours[0] <= target, "; ".join(parts))
        )

    have_ref = shutil.which("xxh128sum") is not None
    dvc_runs = min(runs, 3)
    ref_big = measure(["xxh128sum", "big.bin"], gitml_repo, runs) if have_ref else None
    ctx.say("add big file")
    add_big = [*gitml, "data", "add", "big.bin", *link]
    ours = measure(add_big, gitml_repo, runs, reset_gitml(gitml_repo, "big.bin"))
    theirs = None
    if have_dvc:
        add = [str(DVC), "add", "-q", "big.bin"]
        theirs = measure(add, dvc_repo, dvc_runs, reset_dvc(dvc_repo, "big.bin"))
    compare(f"data add {big_label} ({link_note})", ours, 0.6, theirs, ref_big)
    copy = [*gitml, "data", "add", "big.bin", "--link", "copy"]
    wall, cpu = measure(copy, gitml_repo, 3, reset_gitml(gitml_repo, "big.bin"))
    results.append(
        Result(
            f"data add {big_label} (--link copy, fsync)", wall, "s", "", None, f"cpu {cpu:.3f} s"
        )
    )

    ctx.say("add many small files")
    small = gitml_repo / "small"
    small_files = [str(p.relative_to(small)) for p in small.rglob("*.bin")]
    ref_small = measure(["xxh128sum", *small_files], small, runs) if have_ref else None
    add_small = [*gitml, "data", "add", "small", *link]
    ours = measure(add_small, gitml_repo, runs, reset_gitml(gitml_repo, "small"))
    theirs = None
    if have_dvc:
        add = [str(DVC), "add", "-q", "small"]
        theirs = measure(add, dvc_repo, dvc_runs, reset_dvc(dvc_repo, "small"))
    compare(f"data add {small_label} ({link_note})", ours, 1.5, theirs, ref_small)

    ctx.say("status")
    time.sleep(0.05)  # the racy-timestamp rule: let the clock move past the add
    status = [*gitml, "data", "status"]
    dvc_status = [str(DVC), "status", "-q"]
    ours = measure(status, gitml_repo, runs)
    theirs = None
    if have_dvc:
        sh(dvc_status, dvc_repo)
        theirs = measure(dvc_status, dvc_repo, runs)
    compare(f"clean data status, {small_label}", ours, 0.2, theirs, None)

    victim = sorted(small.rglob("*.bin"))[small_count // 2]
    twin = dvc_repo / victim.relative_to(gitml_repo)

    def touch(path: Path) -> Callable[[], None]:
        def run_touch() -> None:
            path.chmod(0o644)
            os.utime(path)
            time.sleep(0.01)

        return run_touch

    ours = measure(status, gitml_repo, runs, touch(victim))
    theirs = measure(dvc_status, dvc_repo, runs, touch(twin)) if have_dvc else None
    compare("data status after touching one file", ours, 0.25, theirs, None)
    if not have_dvc:
        results.append(Result("dvc", 0, "", "", None, f"not installed at {DVC}; rows lack DVC"))
    writable([small, gitml_repo / "big.bin"])
    return results
