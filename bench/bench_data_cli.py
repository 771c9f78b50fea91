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


def timed(args: Sequence[str], cwd: Path, setup: Callable[[], object] | None = None) -> float:
    if setup is not None:
        setup()
    start = time.perf_counter()
    sh(args, cwd)
    return time.perf_counter() - start


def median(samples: list[float]) -> float:
    return statistics.median(samples)


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
        name: str, ours: float, target: float, dvc: float | None, ref: float | None
    ) -> None:
        parts = []
        if dvc is not None:
            parts.append(f"dvc {dvc:.3f} s ({dvc / ours:.1f}x slower)")
        if ref is not None:
            parts.append(f"xxh128sum {ref:.3f} s")
        results.append(Result(name, ours, "s", f"<= {target} s", ours <= target, "; ".join(parts)))

    have_ref = shutil.which("xxh128sum") is not None
    ref_big = (
        median([timed(["xxh128sum", "big.bin"], gitml_repo) for _ in range(runs)])
        if have_ref
        else None
    )
    ctx.say("add big file")
    ours = median(
        [
            timed(
                [*gitml, "data", "add", "big.bin", *link],
                gitml_repo,
                reset_gitml(gitml_repo, "big.bin"),
            )
            for _ in range(runs)
        ]
    )
    theirs = None
    if have_dvc:
        theirs = median(
            [
                timed([str(DVC), "add", "-q", "big.bin"], dvc_repo, reset_dvc(dvc_repo, "big.bin"))
                for _ in range(min(runs, 3))
            ]
        )
    compare(f"data add {big_label} ({link_note})", ours, 0.6, theirs, ref_big)
    copy = median(
        [
            timed(
                [*gitml, "data", "add", "big.bin", "--link", "copy"],
                gitml_repo,
                reset_gitml(gitml_repo, "big.bin"),
            )
            for _ in range(3)
        ]
    )
    results.append(
        Result(f"data add {big_label} (--link copy, fsync)", copy, "s", "", None, "info")
    )

    ctx.say("add many small files")
    small_files = [
        str(p.relative_to(gitml_repo / "small")) for p in (gitml_repo / "small").rglob("*.bin")
    ]
    ref_small = None
    if have_ref:
        ref_small = median(
            [timed(["xxh128sum", *small_files], gitml_repo / "small") for _ in range(runs)]
        )
    ours = median(
        [
            timed(
                [*gitml, "data", "add", "small", *link],
                gitml_repo,
                reset_gitml(gitml_repo, "small"),
            )
            for _ in range(runs)
        ]
    )
    theirs = None
    if have_dvc:
        theirs = median(
            [
                timed([str(DVC), "add", "-q", "small"], dvc_repo, reset_dvc(dvc_repo, "small"))
                for _ in range(min(runs, 3))
            ]
        )
    compare(f"data add {small_label} ({link_note})", ours, 1.5, theirs, ref_small)

    ctx.say("status")
    time.sleep(0.05)  # the racy-timestamp rule: let the clock move past the add
    ours = median([timed([*gitml, "data", "status"], gitml_repo) for _ in range(runs)])
    theirs = None
    if have_dvc:
        sh([str(DVC), "status", "-q"], dvc_repo)
        theirs = median([timed([str(DVC), "status", "-q"], dvc_repo) for _ in range(runs)])
    compare(f"clean data status, {small_label}", ours, 0.2, theirs, None)

    victim = sorted((gitml_repo / "small").rglob("*.bin"))[small_count // 2]
    twin = dvc_repo / victim.relative_to(gitml_repo)

    def touch(path: Path) -> Callable[[], None]:
        def run_touch() -> None:
            path.chmod(0o644)
            os.utime(path)
            time.sleep(0.01)

        return run_touch

    ours = median(
        [timed([*gitml, "data", "status"], gitml_repo, touch(victim)) for _ in range(runs)]
    )
    theirs = None
    if have_dvc:
        theirs = median(
            [timed([str(DVC), "status", "-q"], dvc_repo, touch(twin)) for _ in range(runs)]
        )
    compare("data status after touching one file", ours, 0.25, theirs, None)
    if not have_dvc:
        results.append(Result("dvc", 0, "", "", None, f"not installed at {DVC}; rows lack DVC"))
    writable([gitml_repo / "small", gitml_repo / "big.bin"])
    return results
