"""Pipelines: no-op ``repro``/``status`` beside DVC, and what running a stage costs.

gitml comes from a wheel built from this checkout and installed into a fresh venv
(``builds.py``); DVC from its own venv (``anchors.py``). Two sibling repositories hold the
same 10-stage pipeline: stage *i* reads ``data/raw/<i>`` (2,000 files of 4 KiB, 20,000
in all; ``--quick``: 200 and 2,000), a script and the previous stage's output, and has
its own params. After one full ``repro`` in each, every timed command is one process as
a user runs it, alternating between the tools: ``git ml status``/``repro`` against
``dvc status``/``repro`` with nothing to do (their targets: at most 0.3 s, at least 5
times faster than DVC). Rows give the median wall and CPU time (user + system of the
command); on a shared machine wall time includes waiting for a CPU.

Stage bookkeeping: a 1-stage pipeline whose param changes before every ``repro`` (so the
stage runs, after a run-cache miss), against ``git ml run -i -o`` of the same command;
the difference is what ``repro`` adds per executed stage (target: at most 100 ms). A
10-stage ``repro --force`` gives the cost per stage when the per-repro work is shared.

    PYTHONPATH=$PWD python bench/run.py pipelines [--quick]
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from anchors import anchor_bin, version_of
from builds import command_env
from common import hermetic_env
from run import Context, Result

STAGES = 10
TARGET_NOOP_S = 0.3
TARGET_RATIO = 5.0
TARGET_STAGE_MS = 100.0
STEP = (
    "import os, sys\n"
    "i = sys.argv[1]\n"
    "os.makedirs('out', exist_ok=True)\n"
    "open(f'out/{i}.txt', 'w').write(i + open('params.yaml').read())\n"
)


def _write_pipeline(root: Path, files_per_stage: int) -> None:
    block = os.urandom(4096)
    for s in range(STAGES):
        folder = root / "data" / "raw" / str(s)
        folder.mkdir(parents=True)
        for i in range(files_per_stage):
            n = s * files_per_stage + i
            (folder / f"{n:05}.bin").write_bytes(n.to_bytes(8, "little") + block[8:])
    stages = []
    for s in range(STAGES):
        deps = [f"data/raw/{s}", "step.py"] + ([f"out/{s - 1}.txt"] if s else [])
        stages.append(
            f"  s{s}:\n    cmd: python3 step.py {s}\n    deps: [{', '.join(deps)}]\n"
            f"    params: [s{s}.k]\n    outs: [out/{s}.txt]\n"
        )
    (root / "dvc.yaml").write_text("stages:\n" + "".join(stages))
    (root / "params.yaml").write_text("".join(f"s{s}:\n  k: {s}\n" for s in range(STAGES)))
    (root / "step.py").write_text(STEP)
    (root / ".gitignore").write_text("/data\n")


def _sh(args: Sequence[str], cwd: Path, env: dict[str, str]) -> None:
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed in {cwd}: {proc.stderr[-2000:]}")


def _repo(path: Path, env: dict[str, str], files_per_stage: int) -> Path:
    path.mkdir(parents=True)
    _sh(["git", "init", "-q"], path, env)
    _write_pipeline(path, files_per_stage)
    _sh(["git", "add", "-A"], path, env)
    _sh(["git", "commit", "-q", "-m", "pipeline"], path, env)
    return path


def _timed(args: Sequence[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    _sh(args, cwd, env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _medians(samples: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


def _alternate(
    commands: dict[str, tuple[list[str], Path, dict[str, str]]],
    runs: int,
    setup: Callable[[str], None] | None = None,
) -> dict[str, tuple[float, float]]:
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, (args, cwd, env) in commands.items():
            if setup is not None:
                setup(name)
            samples[name].append(_timed(args, cwd, env))
    return {name: _medians(found) for name, found in samples.items()}


def _noop(ctx: Context, bin_dir: Path, env: dict[str, str], files: int) -> list[Result]:
    gitml = str(bin_dir / "git-ml")
    ours = _repo(ctx.workdir / "gitml-pipeline", env, files)
    ctx.say(f"first git ml repro ({STAGES * files:,} files of deps)")
    first_gitml = _timed([gitml, "repro"], ours, env)
    commands = {
        "git ml status": ([gitml, "status"], ours, env),
        "git ml repro": ([gitml, "repro"], ours, env),
    }
    dvc = anchor_bin("dvc", ["dvc"], "dvc")
    first_dvc = None
    if dvc is not None:
        dvc_env = {
            **env,
            "DVC_NO_ANALYTICS": "1",
            "DVC_SITE_CACHE_DIR": str(ctx.workdir / "dvc-site"),
        }
        theirs = _repo(ctx.workdir / "dvc-pipeline", env, files)
        _sh([str(dvc), "init", "-q"], theirs, dvc_env)
        ctx.say("first dvc repro")
        first_dvc = _timed([str(dvc), "repro", "-q"], theirs, dvc_env)
        commands["dvc status"] = ([str(dvc), "status", "-q"], theirs, dvc_env)
        commands["dvc repro"] = ([str(dvc), "repro", "-q"], theirs, dvc_env)
    for args, cwd, e in commands.values():  # warm page cache and state files
        _timed(args, cwd, e)
    found = _alternate(commands, 9 if not ctx.quick else 5)
    results = [
        Result(
            f"first repro, {STAGES} stages, {STAGES * files:,} dep files: gitml",
            first_gitml[0],
            "s",
            detail=f"cpu {first_gitml[1]:.2f} s",
        )
    ]
    if first_dvc is not None:
        results.append(
            Result("first repro: dvc", first_dvc[0], "s", detail=f"cpu {first_dvc[1]:.2f} s")
        )
    for verb in ("status", "repro"):
        wall, cpu = found[f"git ml {verb}"]
        detail = f"cpu {cpu * 1000:.0f} ms"
        results.append(
            Result(
                f"no-op git ml {verb}",
                wall,
                "s",
                f"<= {TARGET_NOOP_S} s",
                wall <= TARGET_NOOP_S,
                detail,
            )
        )
        if f"dvc {verb}" in found:
            dwall, dcpu = found[f"dvc {verb}"]
            ratio = dwall / wall
            results.append(
                Result(
                    f"no-op dvc {verb}",
                    dwall,
                    "s",
                    detail=f"cpu {dcpu * 1000:.0f} ms; {version_of(dvc, 'dvc') if dvc else ''}",
                )  # type: ignore[arg-type]
            )
            results.append(
                Result(
                    f"dvc {verb} / git ml {verb}",
                    ratio,
                    "x",
                    f">= {TARGET_RATIO}x",
                    ratio >= TARGET_RATIO,
                    f"cpu ratio {dcpu / cpu:.1f}x",
                )
            )
    return results


def _bookkeeping(ctx: Context, bin_dir: Path, env: dict[str, str]) -> list[Result]:
    gitml = str(bin_dir / "git-ml")
    one = ctx.workdir / "one-stage"
    one.mkdir()
    _sh(["git", "init", "-q"], one, env)
    (one / "in.txt").write_text("input\n")
    (one / "params.yaml").write_text("k: 0\n")
    (one / "step.py").write_text(STEP)
    (one / "dvc.yaml").write_text(
        "stages:\n  s0:\n    cmd: python3 step.py 0\n    deps: [in.txt, step.py]\n"
        "    params: [k]\n    outs: [out/0.txt]\n"
    )
    _sh(["git", "add", "-A"], one, env)
    _sh(["git", "commit", "-q", "-m", "one stage"], one, env)
    counter = iter(range(1, 10**6))

    def bump(name: str) -> None:
        if name == "repro":
            (one / "params.yaml").write_text(f"k: {next(counter)}\n")

    run = [
        gitml,
        "run",
        "-i",
        "in.txt",
        "-i",
        "step.py",
        "-o",
        "out/0.txt",
        "--",
        "python3",
        "step.py",
        "0",
    ]
    _timed([gitml, "repro"], one, env)
    _timed(run, one, env)
    found = _alternate(
        {"repro": ([gitml, "repro"], one, env), "run": (run, one, env)},
        9 if not ctx.quick else 5,
        bump,
    )
    (repro_wall, repro_cpu), (run_wall, run_cpu) = found["repro"], found["run"]
    added = (repro_wall - run_wall) * 1000
    many = _repo(ctx.workdir / "ten-stages", env, 10)
    _timed([gitml, "repro"], many, env)
    forced = statistics.median(
        _timed([gitml, "repro", "--force"], many, env)[0] for _ in range(3 if ctx.quick else 5)
    )
    return [
        Result(
            "git ml run -i -o (one command)",
            run_wall * 1000,
            "ms",
            detail=f"cpu {run_cpu * 1000:.0f} ms",
        ),
        Result(
            "git ml repro, 1 stale stage (run-cache miss)",
            repro_wall * 1000,
            "ms",
            detail=f"cpu {repro_cpu * 1000:.0f} ms",
        ),
        Result(
            "repro bookkeeping per executed stage, over git ml run",
            added,
            "ms",
            f"<= {TARGET_STAGE_MS:.0f} ms",
            added <= TARGET_STAGE_MS,
            f"cpu {(repro_cpu - run_cpu) * 1000:.0f} ms",
        ),
        Result(
            f"git ml repro --force, {STAGES} stages, per stage",
            forced * 1000 / STAGES,
            "ms",
            detail="one process, one pipeline run",
        ),
    ]


def run(ctx: Context) -> list[Result]:
    env = command_env(hermetic_env(ctx.workdir / "home"))
    ctx.say("building the gitml wheel and a fresh venv")
    bin_dir = ctx.builds()[0].git_ml.parent
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    files = 200 if ctx.quick else 2000
    results = _noop(ctx, bin_dir, env, files)
    results += _bookkeeping(ctx, bin_dir, env)
    load = os.getloadavg()[0]
    results.append(Result("load average (1 min) at the end", load, "", detail="2-core machine"))
    return results
