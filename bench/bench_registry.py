"""Benchmarks of the model registry; prints medians per operation and log size.

    python bench/bench_registry.py             # sizes 0, 1k, 5k, 10k stage events
    python bench/bench_registry.py --quick     # sizes 0, 500, for a smoke test
    python bench/bench_registry.py --gto       # also GTO on the same sequence (needs a venv
                                               # at bench/.work/gto-venv with `pip install gto`)
    PYTHONPATH=$PWD python bench/run.py registry   # through the shared runner (targets checked)

Everything happens in a scratch repository under bench/.work/. The log is grown between
measurements by appending stage changes to main with ``git fast-import`` and applying them
in bulk; at each size every operation is then timed ``--reps`` times through the real
``git ml`` command line (a new process each time, as a user or CI runs it), reporting wall
time and CPU time (the machine is shared, so CPU time is the steadier figure), and once
more in-process (the same ``main()`` without interpreter start-up and imports).

One cycle of the measured sequence: ``model register`` (auto version) -> ``promote`` (edit
the stages file) -> ``git commit`` (untimed) -> ``registry apply`` (one event) ->
``promote --branch`` (branch + pull-request body; the branch is deleted untimed) ->
``model show`` -> ``model history --stage production`` -> ``model get NAME@production``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from common import hermetic_env

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / ".work"
RESULTS = ROOT / "bench" / "results"
OPS = ("register", "promote", "apply", "promote --branch", "show", "history", "get")


def sh(cmd: list[str], cwd: Path, env: dict[str, str], stdin: str | None = None) -> str:
    proc = subprocess.run(
        cmd, cwd=cwd, env=env, input=stdin, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.strip()}")
    return proc.stdout


def timed_cli(
    args: list[str], cwd: Path, env: dict[str, str], entry: list[str] | None = None
) -> tuple[float, float, str]:
    """(wall s, CPU s of the child, stdout) of one ``git ml ARGS`` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(
        [*(entry or [sys.executable, "-m", "gitml"]), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"git ml {' '.join(args)} failed: {proc.stderr.strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.stdout


def timed_inproc(args: list[str]) -> float:
    from gitml.cli import main

    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    wall = time.perf_counter() - start
    if code != 0:
        raise SystemExit(f"git ml {' '.join(args)} (in-process) failed: {err.getvalue()}")
    return wall


class Bench:
    def __init__(self, repo: Path, env: dict[str, str]) -> None:
        self.repo = repo
        self.env = env
        self.entry: list[str] | None = None  # an installed build's git-ml (None: this checkout)
        self.cli_env = env
        self.events = 0
        self.commits = 0
        self.run_id = ""
        self.cycle = 0
        self.stage_state: dict[str, str] = {}

    def git(self, *args: str, stdin: str | None = None) -> str:
        return sh(["git", *args], self.repo, self.env, stdin)

    def setup(self, versions: int, *, record_with: list[str] | None = None) -> None:
        """A repository with one run and ``versions`` versions of churn. ``record_with``: the
        ``git-ml`` whose own ``run`` records the run (the oldest build compared, so that
        every build reads the runs ref it starts)."""
        repo = self.repo
        if repo.exists():
            shutil.rmtree(repo)
        repo.mkdir(parents=True)
        self.git("init", "-q")
        (repo / ".gitignore").write_text("model.bin\n")
        (repo / "model.bin").write_bytes(os.urandom(64 * 1024))
        sh([*(record_with or [sys.executable, "-m", "gitml"]), "init"], repo, self.cli_env)
        self.git("add", ".")
        self.git("commit", "-q", "-m", "Set up gitml")
        os.chdir(repo)
        for key, value in self.env.items():
            os.environ[key] = value
        self.run_id = self._record_run() if record_with is None else self._run_with(record_with)
        self._bulk_versions(versions)

    def _record_run(self) -> str:
        from gitml.records import ids
        from gitml.runs.digests import path_digest
        from gitml.runs.metrics import MetricEvent
        from gitml.runs.record import RunFacts, Status, build_record
        from gitml.runs.save import save_run
        from gitml.storage.repo import open_repo
        from gitml.storage.worktree import Checkpoint

        head = self.git("rev-parse", "HEAD").strip()
        started = datetime(2026, 1, 1, tzinfo=UTC)
        run_id = ids.new_id()
        facts = RunFacts(
            id=run_id,
            name="bench",
            status=Status.COMPLETED,
            started=started,
            ended=started + timedelta(seconds=1),
            exit_code=0,
            command=["python", "train.py"],
            cwd=".",
            user={"name": "Bench", "email": "bench@example.com"},
            host="bench",
            code=Checkpoint(head, head, "main", False),
            env={},
            params={"lr": 0.1},
            events=[MetricEvent("acc", 0, 0.9)],
            outputs={"model.bin": path_digest(self.repo / "model.bin")},
        )
        save_run(open_repo(self.repo), build_record(facts), link_checkpoint=False)
        return run_id

    def _run_with(self, entry: list[str]) -> str:
        sh(
            [*entry, "run", "--name", "bench", "--output", "model.bin", "--", "true"],
            self.repo,
            self.cli_env,
        )
        return str(json.loads(sh([*entry, "ls", "--json"], self.repo, self.cli_env))[0]["id"])

    def _bulk_versions(self, count: int) -> None:
        """``count`` versions (1..count) of churn in one commit, through the record builders."""
        from gitml.records import codec, ids
        from gitml.registry import artifacts
        from gitml.registry import records as rec
        from gitml.registry.store import registry_collection
        from gitml.runs.store import get_run
        from gitml.storage.repo import open_repo

        repo = open_repo(self.repo)
        run = get_run(repo, self.run_id)
        stored = artifacts.store(repo.state_dir, self.repo / "model.bin", "model.bin")
        files = {}
        for i in range(1, count + 1):
            doc = rec.build_version(
                record_id=ids.new_id(),
                model="churn",
                version=str(i),
                run=run,
                created=datetime(2026, 1, 1, tzinfo=UTC),
                author={"name": "Bench", "email": "bench@example.com"},
                artifact=stored.as_dict(),
            )
            files[rec.version_path("churn", str(i))] = codec.dump_bytes(doc)
        registry_collection(repo).write(lambda _s: files, f"register {count} versions")
        self.versions = count

    def grow(self, target: int) -> float:
        """Append stage changes to main until the log holds ``target`` events; apply in bulk."""
        need = target - self.events
        if need <= 0:
            return 0.0
        stages = ("dev", "staging", "production")
        head = self.git("rev-parse", "HEAD").strip()
        lines = []
        for i in range(need):
            n = self.events + i
            self.stage_state[stages[n % 3]] = str(1 + (n * 7) % self.versions)
            body = 'schema = "gitml/stages/1"\n\n[models.churn]\n' + "".join(
                f'{s} = "{v}"\n' for s, v in sorted(self.stage_state.items())
            )
            lines.append(
                "commit refs/heads/main\n"
                f"committer Bench <bench@example.com> {1_767_000_000 + n} +0000\n"
                f"data 6\nbulk {n % 10}\n"
                + (f"from {head}\n" if i == 0 else "")
                + f"M 100644 inline .gitml/stages.toml\ndata {len(body)}\n{body}\n"
            )
        self.git("fast-import", "--quiet", stdin="".join(lines))
        self.git("reset", "-q", "--hard", "main")
        start = time.perf_counter()
        timed_inproc(["registry", "apply"])
        took = time.perf_counter() - start
        self.events = target
        sh(["git", "gc", "-q"], self.repo, self.env)
        timed_inproc(["model", "show", "churn"])  # index refreshed after gc too
        return took

    def one_cycle(self, inproc: bool) -> dict[str, tuple[float, float]]:
        """Time every operation once; returns op -> (wall s, CPU s or nan)."""
        self.cycle += 1
        version = str(1 + (self.cycle * 13) % self.versions)
        if version == self.stage_state.get("production"):
            version = str(1 + int(version) % self.versions)
        branch = f"bench/{self.cycle}-{'i' if inproc else 'c'}"
        ops: list[tuple[str, list[str], Callable[[], None] | None]] = [
            (
                "register",
                ["model", "register", "churn", "--run", self.run_id, "--artifact", "model.bin"],
                None,
            ),
            ("promote", ["promote", "churn", version, "production"], self._commit_stages),
            ("apply", ["registry", "apply"], None),
            (
                "promote --branch",
                ["promote", "churn", version, "staging", "--branch-name", branch],
                lambda: self.git("branch", "-q", "-D", branch) and None,
            ),
            ("show", ["model", "show", "churn"], None),
            ("history", ["model", "history", "churn", "--stage", "production"], None),
            ("get", ["model", "get", "churn@production"], None),
        ]
        out: dict[str, tuple[float, float]] = {}
        for name, args, after in ops:
            if inproc:
                out[name] = (timed_inproc(args), float("nan"))
            else:
                wall, cpu, _ = timed_cli(args, self.repo, self.cli_env, self.entry)
                out[name] = (wall, cpu)
            if after is not None:
                after()
        self.stage_state["production"] = version
        self.events += 1
        self.versions += 1
        return out

    def _commit_stages(self) -> None:
        self.git("commit", "-q", "-am", f"promote {self.cycle}")


def measure(bench: Bench, reps: int) -> dict[str, dict[str, float]]:
    cli: dict[str, list[tuple[float, float]]] = {op: [] for op in OPS}
    inp: dict[str, list[float]] = {op: [] for op in OPS}
    bench.one_cycle(inproc=False)  # warm the page cache and bytecode
    for _ in range(reps):
        for op, sample in bench.one_cycle(inproc=False).items():
            cli[op].append(sample)
        for op, sample in bench.one_cycle(inproc=True).items():
            inp[op].append(sample[0])
    return {
        op: {
            "wall_ms": statistics.median(w for w, _ in cli[op]) * 1000,
            "cpu_ms": statistics.median(c for _, c in cli[op]) * 1000,
            "inproc_ms": statistics.median(inp[op]) * 1000,
        }
        for op in OPS
    }


def floor(repo: Path, env: dict[str, str], reps: int) -> dict[str, float]:
    """What any ``git ml`` command costs before doing anything (interpreter + CLI imports)."""
    walls, cpus = [], []
    for _ in range(reps):
        wall, cpu, _ = timed_cli(["--version"], repo, env)
        walls.append(wall)
        cpus.append(cpu)
    return {"wall_ms": statistics.median(walls) * 1000, "cpu_ms": statistics.median(cpus) * 1000}


def bench_gto(sizes: list[int], reps: int, env: dict[str, str]) -> dict[str, dict[str, float]]:
    """GTO 1.x on the same sequence: register (bump), assign to prod, show."""
    from anchors import anchor_bin

    gto = anchor_bin("gto-venv", ["gto"], "gto")
    if gto is None:
        print("GTO is not installed (bench/.work/gto-venv); skipped", file=sys.stderr)
        return {}
    repo = WORK / "gto-repo"
    if repo.exists():
        shutil.rmtree(repo)
    repo.mkdir(parents=True)
    sh(["git", "init", "-q"], repo, env)
    (repo / "model.bin").write_bytes(b"m")
    sh(["git", "add", "."], repo, env)
    sh(["git", "commit", "-qm", "init"], repo, env)
    results: dict[str, dict[str, float]] = {}
    tags = 0
    version = 0

    def run(*args: str) -> float:
        start = time.perf_counter()
        sh([str(gto), *args], repo, env)
        return time.perf_counter() - start

    for size in sizes:
        while tags < size:  # grow: a commit, its version tag and a stage tag per cycle
            version += 1
            sh(["git", "commit", "-q", "--allow-empty", "-m", f"c{version}"], repo, env)
            sh(["git", "tag", "-a", f"churn@v0.0.{version}", "-m", "bulk"], repo, env)
            sh(["git", "tag", "-a", f"churn#prod#{version}", "-m", "bulk"], repo, env)
            tags += 2
        walls: dict[str, list[float]] = {"register": [], "promote": [], "show": []}
        for _ in range(reps):
            version += 1
            sh(["git", "commit", "-q", "--allow-empty", "-m", f"c{version}"], repo, env)
            walls["register"].append(run("register", "churn", "--version", f"v0.0.{version}"))
            walls["promote"].append(
                run("assign", "churn", "--version", f"v0.0.{version}", "--stage", "prod")
            )
            walls["show"].append(run("show", "churn"))
            tags += 2
        results[str(size)] = {op: statistics.median(v) * 1000 for op, v in walls.items()}
        print(
            f"gto at {size} tags: "
            + ", ".join(f"{k} {v:.0f} ms" for k, v in results[str(size)].items())
        )
    return results


TARGETS_MS = {"register": 150.0, "promote": 150.0, "apply": 150.0, "promote --branch": 150.0}
SHOW_TARGET_MS = 100.0


def run(ctx: Any) -> list[Any]:
    """Entry point for ``bench/run.py registry``: wall time per command at each log size."""
    from run import Result

    sizes = [0, 500] if ctx.quick else [0, 1000, 5000, 10000]
    reps = 3 if ctx.quick else 7
    env = hermetic_env(ctx.workdir / "home")
    sys.path.insert(0, str(ROOT))
    cwd = Path.cwd()
    saved = dict(os.environ)
    bench = Bench(ctx.workdir / "repo", env)
    results: list[Any] = []
    try:
        bench.setup(200)
        base = floor(bench.repo, env, reps)
        results.append(
            Result("git ml --version (start-up floor)", base["cpu_ms"], "ms", detail="CPU")
        )
        for size in sizes:
            ctx.say(f"growing the log to {size} events")
            bench.grow(size)
            measured = measure(bench, reps)
            for op in OPS:
                wall = measured[op]["wall_ms"]
                target = TARGETS_MS.get(op)
                if op == "show":
                    target = SHOW_TARGET_MS
                results.append(
                    Result(
                        f"git ml {op} @ {size} events",
                        wall,
                        "ms",
                        f"<= {target:.0f} ms" if target else "",
                        wall <= target if target else None,
                        f"wall, median of {reps}; CPU {measured[op]['cpu_ms']:.0f} ms; "
                        f"in-process {measured[op]['inproc_ms']:.1f} ms",
                    )
                )
        ctx.say("GTO on the same sequence")
        gto_sizes = [0, 50] if ctx.quick else [0, 100, 400]
        for size, ops in bench_gto(gto_sizes, reps, env).items():
            for op, wall in ops.items():
                results.append(Result(f"gto {op} @ {size} tags", wall, "ms", detail="wall"))
    finally:
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(saved)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, few repetitions")
    parser.add_argument("--sizes", help="comma-separated event counts (default 0,1000,5000,10000)")
    parser.add_argument("--reps", type=int, default=7, help="repetitions per size (median)")
    parser.add_argument("--versions", type=int, default=200, help="versions registered up front")
    parser.add_argument("--gto", action="store_true", help="also run GTO on the same sequence")
    parser.add_argument("--gto-sizes", default="0,100,400", help="tag counts for GTO")
    args = parser.parse_args()
    sizes = [0, 500] if args.quick else [0, 1000, 5000, 10000]
    if args.sizes:
        sizes = [int(s) for s in args.sizes.split(",")]
    reps = 3 if args.quick else args.reps
    WORK.mkdir(parents=True, exist_ok=True)
    env = hermetic_env(WORK / "home-registry")
    sys.path.insert(0, str(ROOT))
    bench = Bench(WORK / "registry-repo", env)
    bench.setup(args.versions)
    report: dict[str, object] = {
        "machine": {"cpus": os.cpu_count(), "load_before": os.getloadavg()},
        "floor (git ml --version)": floor(bench.repo, env, reps),
        "sizes": {},
    }
    print(
        f"CLI floor (interpreter + imports, `git ml --version`): {report['floor (git ml --version)']}"
    )
    for size in sizes:
        bulk = bench.grow(size)
        results = measure(bench, reps)
        report["sizes"][str(size)] = {"bulk_apply_s": bulk, "events": bench.events, **results}  # type: ignore[index]
        print(
            f"\n{size} events (bulk apply to reach it: {bulk:.1f} s; load {os.getloadavg()[0]:.1f})"
        )
        print(f"{'operation':<18}{'wall ms':>10}{'CPU ms':>10}{'in-process ms':>16}")
        for op in OPS:
            r = results[op]
            print(f"{op:<18}{r['wall_ms']:>10.0f}{r['cpu_ms']:>10.0f}{r['inproc_ms']:>16.1f}")
    if args.gto:
        report["gto"] = bench_gto([int(x) for x in args.gto_sizes.split(",")], reps, env)
    report["machine"]["load_after"] = os.getloadavg()  # type: ignore[index]
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / ("registry-quick.json.tmp" if args.quick else "registry.json")
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"\nwritten {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
