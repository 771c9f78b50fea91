"""A large run store: what a teammate's first day, queries and housekeeping cost at N runs.

Each build (this checkout, plus each ``--against REV``) is a wheel in a fresh venv
(builds.py). Per build and size: a new repository gets one real ``git ml run -- true``
(the template, and the collection created the way that build creates it), then N-1 more
runs are seeded by ``scale_seed.py`` running under that build's Python: a commit on
``main`` for every ``BENCH_SCALE_RUNS_PER_COMMIT`` runs (10; 0 puts every run on one
commit), then one commit per run, each adding one record where that build files it, and
the notes commits adding the runs' lines to their code commit's note where that build
writes it (runs come in sweeps of ``BENCH_SCALE_SWEEP``, default one a code commit: a
build that notes bulk work at once writes a notes commit a sweep, an older one a commit a
run), all by ``git fast-import`` (the same trees and commits as gitml's own writes). Then
``git gc`` once and one housekeeping step, as housekeeping leaves a store. Rows, per build
(this build's value; the others in the detail column):

- ``git ml run -- true`` minus ``true`` (median of 5);
- ``git ml ls`` warm (median of 5) and with the index deleted (one sample, every size);
- ``git ml push`` to an empty bare remote, ``git clone`` + ``git ml pull`` into a fresh
  clone and its first ``ls`` (one sample each; the day-one total is their sum);
- ``git ml show`` by full id, by a 14-character prefix and by name (median of 5);
- ``git ml ls --where ...`` warm, newest first and with ``--sort ...`` (median of 5 each);
- ``git ml check --all`` in the fresh clone with ``.git/gitml`` deleted (no caches);
- ``git gc`` and ``git fsck`` of the seeded repository (one sample, before push and pull);
- gitml's own housekeeping: ``BENCH_SCALE_WRITES`` (256, the writes between two steps)
  real ``git ml run -- true`` (median a write), the loose objects they leave, the step
  they would start timed in the foreground, and ``git repack -a -d``, the largest step
  (all packs into one), which housekeeping reaches each time the store about doubles;
- the CPU seconds (user + system, the command and its children) beside the wall time of
  seeding, ``ls`` with no index, push, pull, gc, fsck and both housekeeping rows;
- any command still running after ``BENCH_SCALE_LIMIT_S`` (default 900 s per 100,000
  runs) is stopped and shows as ``inf`` (after a stopped push or pull, plain git moves
  the refs so the rest can go on);
- bytes a run: the pack, the query index and the trees uncompressed, divided by N;
- the 1-minute load average after seeding and at the end of each size.

The anchor is MLflow's sqlite store holding the same runs (``scale_mlflow.py`` in
MLflow's own venv): its database bytes a run, ``search_runs`` with the same filter and
order, ``get_run`` by id and a run by name. When MLflow cannot be installed its column
says so and the rest goes on.

Sizes: ``--runs 10000,100000`` (default 100,000; ``--quick`` 10,000; the
``BENCH_SCALE_RUNS`` variable takes the same list). Sizes of at least
``BENCH_SCALE_HISTORY_ONLY`` runs measure only what the history costs (bytes, ``ls``
with no index, push, clone + pull, gc, fsck, housekeeping), which is what the largest
synthetic stores are for. With two sizes or more, the growth of push, pull, gc, fsck and
housekeeping from one size to the next, wall and CPU, is a row of its own, judged against
the growth of N (linear history). Each phase's rows go to stderr as soon as measured. Besides the runner's table
the group prints the issue's table: one row an operation, one column a size and build.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path

from bench_cli import _git, _new_repo
from builds import Build, command_env
from common import hermetic_env
from run import Context, Result

BENCH_DIR = Path(__file__).resolve().parent
WHERE = "metrics.acc > 0.5 and params.lr = 0.1"
LIMIT_S = float(os.environ.get("BENCH_SCALE_LIMIT_S") or 0)
"""A fixed limit for every command; unset, 900 s per 100,000 runs (never under 900 s)."""
WRITES = int(os.environ.get("BENCH_SCALE_WRITES") or 256)
"""Runs written before a housekeeping step is timed: gitml starts one every 256 writes."""
RUNS_PER_COMMIT = int(os.environ.get("BENCH_SCALE_RUNS_PER_COMMIT") or 10)
SWEEP = int(os.environ.get("BENCH_SCALE_SWEEP") or RUNS_PER_COMMIT or 1)
"""Runs a sweep records at once (a build that batches notes writes a notes commit a sweep)."""
REFS = ("refs/gitml/*:refs/gitml/*", "refs/notes/gitml:refs/notes/gitml")
MLFLOW = "MLflow sqlite"

# The issue's goals (at a million runs, so they must hold at every smaller N too).
TARGETS = {
    "ls, no index (s)": 10.0,
    "show by id (s)": 0.1,
    "show by prefix (s)": 0.1,
    "show by name (s)": 0.1,
    "ls --where, warm (s)": 0.3,
    "ls --where --sort, warm (s)": 0.3,
    "check --all, fresh (s)": 30.0,
    "day one: clone + pull + ls (s)": 60.0,
    "git gc (s)": 60.0,
    "pack + index bytes a run": 500.0,
}
HISTORY_ROWS = (
    "push to empty remote (s)",
    "pull into fresh clone (s)",
    "git gc (s)",
    "git fsck (s)",
    "housekeeping step (s)",
    "housekeeping, largest step (s)",
)
COUNT_ROWS = ("loose objects after the writes", "loose objects after the step")
LOAD_ROWS = ("load average, seeded", "load average, measured")
"""The 1-minute load average after seeding and after the last command of a size."""

Measured = dict[str, float]


def _limit(runs: int) -> float:
    """How long a command at ``runs`` may take before it is stopped."""
    return LIMIT_S or 900.0 * max(1.0, runs / 100_000)


def _cpu() -> float:
    """CPU seconds (user + system) of every finished child process and its descendants."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def cpu_row(row: str) -> str:
    """The row holding the CPU seconds of the command timed in ``row``."""
    return row.replace(" (s)", ", CPU (s)")


def _timed(
    out: Measured, row: str, cmd: list[str], *, cwd: Path, env: dict[str, str], limit: float
) -> None:
    """``out[row]``: the wall time of ``cmd``; its ``cpu_row``: the CPU seconds it and its
    children used, which another engineer's load on the machine changes far less."""
    before = _cpu()
    out[row] = _seconds(cmd, cwd, env, limit)
    out[cpu_row(row)] = _cpu() - before if out[row] != float("inf") else float("inf")


def _seconds(cmd: list[str], cwd: Path, env: dict[str, str], limit: float = 900.0) -> float:
    """Wall time of ``cmd``; ``inf`` when it is still running after ``limit`` seconds."""
    started = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired:
        return float("inf")
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed in {cwd}: {proc.stderr.strip()[-800:]}")
    return elapsed


def _median(fn: Callable[[], float], n: int) -> float:
    return statistics.median(fn() for _ in range(n))


def _bytes(folder: Path, pattern: str) -> int:
    return sum(p.stat().st_size for p in folder.glob(pattern))


def _tree_bytes(repo: Path, env: dict[str, str]) -> int:
    """Uncompressed size of every tree in the store: what index-pack and fsck hash."""
    check = "--batch-check=%(objecttype) %(objectsize)"
    listed = _git(repo, env, "cat-file", "--batch-all-objects", check)
    return sum(
        int(size) for kind, size in (line.split() for line in listed.splitlines()) if kind == "tree"
    )


def _seed(build: Build, repo: Path, env: dict[str, str], runs: int) -> float:
    _new_repo(repo, env, build)
    subprocess.run(build.command("run", "--", "true"), cwd=repo, env=env, check=True)
    started = time.perf_counter()
    seed = [str(build.python), str(BENCH_DIR / "scale_seed.py"), str(repo), str(runs - 1)]
    seed += [str(RUNS_PER_COMMIT), str(SWEEP)]
    subprocess.run(seed, cwd=repo, env=env, check=True)
    _git(repo, env, "gc", "--quiet")
    _step(build, repo, env, check=False)
    return time.perf_counter() - started


def _step(build: Build, repo: Path, env: dict[str, str], *, check: bool) -> None:
    """The housekeeping step gitml starts every 256 writes, in the foreground: after seeding,
    it leaves the store as that build's steps would. The environment's ``gc.auto = 0`` holds
    steps off; the repository's config turns them on for this one. A build without steps
    has no such module: ``check=False``."""
    _git(repo, env, "config", "gc.auto", "6700")
    step = [str(build.python), "-m", "gitml.storage.housekeeping", str(repo / ".git")]
    subprocess.run(step, cwd=repo, env=env, check=check, capture_output=not check)
    _git(repo, env, "config", "--unset", "gc.auto")


def _store_bytes(repo: Path, env: dict[str, str], runs: int, out: Measured) -> None:
    out["pack bytes a run"] = _bytes(repo / ".git" / "objects" / "pack", "*.pack") / runs
    out["tree bytes a run (uncompressed)"] = _tree_bytes(repo, env) / runs


def _index(build: Build, repo: Path, env: dict[str, str], runs: int, out: Measured) -> None:
    """The first ``ls`` builds the query index: its time and the index size."""
    state = repo / ".git" / "gitml"
    shutil.rmtree(state, ignore_errors=True)
    _timed(out, "ls, no index (s)", build.command("ls"), cwd=repo, env=env, limit=_limit(runs))
    out["index bytes a run"] = _bytes(state, "index-v*.sqlite*") / runs
    out["pack + index bytes a run"] = out["pack bytes a run"] + out["index bytes a run"]


def _queries(build: Build, repo: Path, env: dict[str, str]) -> Measured:
    """ls warm, show by id, prefix and name, ls --where newest first and --sort."""
    ml = build.command
    out: Measured = {}
    out["ls, warm (s)"] = _median(lambda: _seconds(ml("ls"), repo, env), 5)
    log = ["log", "--format=%(trailers:key=Gitml-Run,valueonly)", "-n", "40", "refs/gitml/runs"]
    ids = _git(repo, env, *log).split()
    target = ids[len(ids) // 2]
    shown = subprocess.run(
        ml("show", target, "--json"), cwd=repo, env=env, capture_output=True, text=True, check=True
    ).stdout
    name = str(json.loads(shown).get("name") or target)
    out["show by id (s)"] = _median(lambda: _seconds(ml("show", target), repo, env), 5)
    out["show by prefix (s)"] = _median(lambda: _seconds(ml("show", target[:14]), repo, env), 5)
    out["show by name (s)"] = _median(lambda: _seconds(ml("show", name), repo, env), 5)
    newest = ml("ls", "--all", "--where", WHERE)
    _seconds(newest, repo, env)  # the first --where fills the field table
    out["ls --where, warm (s)"] = _median(lambda: _seconds(newest, repo, env), 5)
    where = ml("ls", "--all", "--where", WHERE, "--sort", "-metrics.acc")
    _seconds(where, repo, env)
    out["ls --where --sort, warm (s)"] = _median(lambda: _seconds(where, repo, env), 5)
    return out


def _sharing(
    build: Build, base: Path, env: dict[str, str], out: Measured, *, limit: float, full: bool
) -> None:
    """Push to an empty remote, clone + pull, the first ls and check --all in the clone."""
    ml = build.command
    repo, remote, clone = base / "repo", base / "remote.git", base / "clone"
    _git(base, env, "init", "-q", "--bare", str(remote))
    _git(repo, env, "remote", "add", "origin", str(remote))
    _git(repo, env, "push", "-q", "origin", "main")
    push = ml("push", "--no-data")
    _timed(out, "push to empty remote (s)", push, cwd=repo, env=env, limit=limit)
    if out["push to empty remote (s)"] == float("inf"):  # go on with what git alone sends
        _git(repo, env, "push", "-q", "--force", "origin", *REFS)
    # Through git's transport: a clone of a plain path hardlinks the remote's whole object
    # store, and the pull would then transfer nothing.
    clone_cmd = ["git", "clone", "-q", remote.as_uri(), str(clone)]
    out["git clone (s)"] = _seconds(clone_cmd, base, env, limit)
    _timed(out, "pull into fresh clone (s)", ml("pull"), cwd=clone, env=env, limit=limit)
    if out["pull into fresh clone (s)"] == float("inf"):
        _git(clone, env, "fetch", "-q", "origin", *REFS)
    if not full:
        shutil.rmtree(clone)
        return
    out["first ls in the clone (s)"] = _seconds(ml("ls"), clone, env, limit)
    out["day one: clone + pull + ls (s)"] = (
        out["git clone (s)"] + out["pull into fresh clone (s)"] + out["first ls in the clone (s)"]
    )
    shutil.rmtree(clone / ".git" / "gitml", ignore_errors=True)
    out["check --all, fresh (s)"] = _seconds(ml("check", "--all"), clone, env, limit)
    shutil.rmtree(clone)


def _loose(repo: Path, env: dict[str, str]) -> float:
    counted = dict(line.split(": ") for line in _git(repo, env, "count-objects", "-v").splitlines())
    return float(counted["count"])


def _housekeeping(build: Build, repo: Path, env: dict[str, str], *, limit: float) -> Measured:
    """``WRITES`` real runs on the gc'd store, then the housekeeping step gitml would start
    after them, timed in the foreground; then the largest step housekeeping can come to
    (every pack merged into one, about ``git repack -a -d``), which it reaches each time the
    store about doubles. The environment's ``gc.auto = 0`` holds the writes' own steps off;
    the repository's config turns them on for the timed one."""
    true = shutil.which("true") or "/bin/true"
    out: Measured = {}
    writes = [_seconds(build.command("run", "--", true), repo, env) for _ in range(WRITES)]
    out["run -- true, one write (s)"] = statistics.median(writes)
    out["loose objects after the writes"] = _loose(repo, env)
    _git(repo, env, "config", "gc.auto", "6700")
    step = [str(build.python), "-m", "gitml.storage.housekeeping", str(repo / ".git")]
    _timed(out, "housekeeping step (s)", step, cwd=repo, env=env, limit=limit)
    _git(repo, env, "config", "--unset", "gc.auto")
    out["housekeeping a write (s)"] = out["housekeeping step (s)"] / WRITES
    out["loose objects after the step"] = _loose(repo, env)
    if out["loose objects after the step"] >= out["loose objects after the writes"]:
        raise RuntimeError(f"the housekeeping step in {repo} packed nothing")
    largest = ["git", "repack", "-a", "-d", "-q"]
    _timed(out, "housekeeping, largest step (s)", largest, cwd=repo, env=env, limit=limit)
    return out


def _measure(ctx: Context, build: Build, env: dict[str, str], runs: int, *, full: bool) -> Measured:
    """One build at one size; each phase's rows go to stderr as soon as measured, so a size
    stopped part way (a million runs take most of an hour) keeps what it has."""
    base = ctx.workdir / f"{build.label.replace('/', '-')}-{runs}"
    repo = base / "repo"
    before = _cpu()
    out: Measured = {"seed (s)": _seed(build, repo, env, runs)}
    out["seed, CPU (s)"] = _cpu() - before
    out["load average, seeded"] = os.getloadavg()[0]
    said = 0

    def say() -> None:
        nonlocal said
        rows = dict(list(out.items())[said:])
        said = len(out)
        ctx.say(f"{build.label} at {runs:,} runs: {json.dumps(rows)}")

    _store_bytes(repo, env, runs, out)
    _index(build, repo, env, runs, out)
    say()
    if full:
        out.update(_queries(build, repo, env))
    limit = _limit(runs)
    # gc and fsck before push and pull (which change nothing they read): the goal at a
    # million runs is gc's, and it should not wait behind the slowest rows.
    _timed(out, "git gc (s)", ["git", "gc", "--quiet"], cwd=repo, env=env, limit=limit)
    fsck = ["git", "fsck", "--no-progress"]
    _timed(out, "git fsck (s)", fsck, cwd=repo, env=env, limit=limit)
    say()
    _sharing(build, base, env, out, limit=limit, full=full)
    say()
    if full:
        true = shutil.which("true") or "/bin/true"
        out["run -- true, added (s)"] = _median(
            lambda: (
                _seconds(build.command("run", "--", true), repo, env) - _seconds([true], repo, env)
            ),
            5,
        )
    out.update(_housekeeping(build, repo, env, limit=limit))
    out["load average, measured"] = os.getloadavg()[0]
    say()
    shutil.rmtree(base)  # a large store is gigabytes; the next size needs the disk
    return out


def _mlflow(ctx: Context, runs: int) -> Measured | str:
    """The MLflow sqlite anchor at ``runs``, or why it was skipped."""
    from anchors import cached_venv

    from tests.anchors import anchor_requirements

    venv, why = cached_venv("mlflow", anchor_requirements("mlflow"))
    if venv is None:
        return why or "MLflow could not be installed"
    folder = ctx.workdir / f"mlflow-{runs}"
    folder.mkdir()
    script = [str(venv / "bin" / "python"), str(BENCH_DIR / "scale_mlflow.py"), str(folder)]
    try:
        proc = subprocess.run(
            [*script, str(runs)], capture_output=True, text=True, timeout=4 * LIMIT_S, check=True
        )
        measured: Measured = json.loads(proc.stdout.strip().splitlines()[-1])
    except (OSError, subprocess.SubprocessError, ValueError, IndexError) as exc:
        stderr = getattr(exc, "stderr", None) or ""  # bytes after a timeout, text otherwise
        if isinstance(stderr, bytes):
            stderr = stderr.decode("utf-8", "replace")
        tail = stderr.strip().splitlines()[-1:]
        return f"MLflow failed: {exc} {' '.join(tail)}".strip()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    ctx.say(f"MLflow at {runs:,} runs: {json.dumps(measured)}")
    return measured


def _sizes(ctx: Context) -> tuple[int, ...]:
    if ctx.runs:
        return ctx.runs
    text = os.environ.get("BENCH_SCALE_RUNS")
    if text:
        return tuple(int(part) for part in text.replace("_", "").split(","))
    return (10_000,) if ctx.quick else (100_000,)


def _unit(row: str) -> str:
    if row in COUNT_ROWS:
        return "objects"
    if row in LOAD_ROWS:
        return "load"
    return "B" if "bytes" in row else "s"


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if value == float("inf"):
        return "stopped"
    if unit in ("B", "objects"):
        return f"{value:,.0f}" + (" B" if unit == "B" else "")
    if unit == "load":
        return f"{value:.1f}"
    if value < 0.01:
        return f"{value * 1000:.1f} ms"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.1f} s"


# The issue's rows: a label and the measured rows it shows (joined by " / ").
ISSUE_ROWS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("seeding (fast-import + gc)", ("seed (s)",), ("seed (s)",)),
    ("`git ml run -- true` added", ("run -- true, added (s)",), ()),
    ("`ls` warm", ("ls, warm (s)",), ()),
    ("`ls` with no index", ("ls, no index (s)",), ()),
    ("`git ml pull` into a fresh clone", ("pull into fresh clone (s)",), ()),
    ("`git ml push` to an empty remote", ("push to empty remote (s)",), ()),
    (
        "`show` id / prefix / name",
        ("show by id (s)", "show by prefix (s)", "show by name (s)"),
        ("get run by id (s)", "", "run by name (s)"),
    ),
    ("`ls --where …` warm, newest first", ("ls --where, warm (s)",), ()),
    (
        "`ls --where … --sort` warm",
        ("ls --where --sort, warm (s)",),
        ("search --where --sort (s)",),
    ),
    ("`check --all`, no validity cache", ("check --all, fresh (s)",), ()),
    ("`git gc` / `git fsck`", ("git gc (s)", "git fsck (s)"), ()),
    (
        "CPU: push / pull / gc / fsck",
        tuple(cpu_row(row) for row in HISTORY_ROWS[:4]),
        (),
    ),
    (
        "CPU: seeding / ls with no index / housekeeping step / largest step",
        tuple(cpu_row(row) for row in ("seed (s)", "ls, no index (s)", *HISTORY_ROWS[4:])),
        (),
    ),
    ("`run -- true` at N (one write, median)", ("run -- true, one write (s)",), ()),
    (
        "housekeeping step after 256 writes / a write / largest step",
        ("housekeeping step (s)", "housekeeping a write (s)", "housekeeping, largest step (s)"),
        (),
    ),
    (
        "loose objects before / after the step",
        ("loose objects after the writes", "loose objects after the step"),
        (),
    ),
    ("pack / index bytes a run", ("pack bytes a run", "index bytes a run"), ("", "db bytes a run")),
    ("trees written a run (uncompressed)", ("tree bytes a run (uncompressed)",), ()),
    ("day one: clone + pull + first `ls`", ("day one: clone + pull + ls (s)",), ()),
    ("load average seeded / measured", LOAD_ROWS, ()),
)


def _cell(values: Measured | str | None, rows: tuple[str, ...]) -> str:
    if not rows or values is None:
        return ""
    if isinstance(values, str):
        return "skipped"
    unit = _unit(rows[-1])
    cells = [_fmt(values.get(row), unit) if row else "—" for row in rows]
    if all(c == "—" for c in cells):
        return ""
    return " / ".join(c.removesuffix(" B") for c in cells) + (" B" if unit == "B" else "")


def issue_table(
    sizes: tuple[int, ...],
    labels: list[str],
    measured: dict[tuple[int, str], Measured],
    anchor: dict[int, Measured | str],
) -> str:
    """The issue's table: an operation a row; a size and build (and MLflow) a column."""
    head = ["operation"]
    for n in sizes:
        head += [f"{n:,} {label}" for label in labels] + [f"{n:,} {MLFLOW}"]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for label, rows, anchor_rows in ISSUE_ROWS:
        cells = [label]
        for n in sizes:
            cells += [_cell(measured.get((n, b)), rows) for b in labels]
            cells.append(_cell(anchor.get(n), anchor_rows))
        lines.append("| " + " | ".join(cells) + " |")
    skipped = {n: why for n, why in anchor.items() if isinstance(why, str)}
    lines += [f"\n{MLFLOW} at {n:,} runs skipped: {why}" for n, why in skipped.items()]
    return "\n".join(lines)


def _results(
    sizes: tuple[int, ...],
    labels: list[str],
    measured: dict[tuple[int, str], Measured],
    anchor: dict[int, Measured | str],
) -> list[Result]:
    this, others = labels[0], labels[1:]
    load = os.getloadavg()[0]
    results = []
    for n in sizes:
        mine = measured[(n, this)]
        for row, value in mine.items():
            unit = _unit(row)
            detail = [f"{label}: {_fmt(measured[(n, label)].get(row), unit)}" for label in others]
            detail.append(f"load {load:.1f}")
            bound = TARGETS.get(row)
            results.append(
                Result(
                    f"{row.removesuffix(' (s)')}, {n:,} runs",
                    value,
                    unit,
                    target="" if bound is None else f"<= {_fmt(bound, unit)}",
                    ok=None if bound is None else value <= bound,
                    detail="; ".join(detail),
                )
            )
        ml = anchor.get(n)
        if isinstance(ml, dict) and "pack + index bytes a run" in mine:
            ratio = mine["pack + index bytes a run"] / ml["db bytes a run"]
            results.append(
                Result(
                    f"pack + index bytes a run / {MLFLOW}'s, {n:,} runs",
                    ratio,
                    "x",
                    target="<= 2x",
                    ok=ratio <= 2,
                    detail=f"{MLFLOW}: {ml['db bytes a run']:,.0f} B a run",
                )
            )
    for small, large in pairwise(sizes):
        for row in (*HISTORY_ROWS, *map(cpu_row, HISTORY_ROWS)):
            ratio = measured[(large, this)][row] / measured[(small, this)][row]
            bound = large / small
            results.append(
                Result(
                    f"{row.removesuffix(' (s)')}: {large:,} runs / {small:,}",
                    ratio,
                    "x",
                    target=f"<= {bound:g}x (linear)",
                    ok=ratio <= bound,
                )
            )
    return results


def run(ctx: Context) -> list[Result]:
    sizes = _sizes(ctx)
    history_only = int(os.environ.get("BENCH_SCALE_HISTORY_ONLY") or 0)
    builds = ctx.builds()
    env = command_env(hermetic_env(ctx.workdir / "home"))
    measured: dict[tuple[int, str], Measured] = {}
    anchor: dict[int, Measured | str] = {}
    for n in sizes:
        full = not history_only or n < history_only
        for build in builds:
            measured[(n, build.label)] = _measure(ctx, build, env, n, full=full)
        if full:
            anchor[n] = _mlflow(ctx, n)
    labels = [b.label for b in builds]
    print(f"## scale: the issue's table ({', '.join(f'{n:,}' for n in sizes)} runs)\n")
    print(issue_table(sizes, labels, measured, anchor), end="\n\n", flush=True)
    sys.stdout.flush()
    return _results(sizes, labels, measured, anchor)
