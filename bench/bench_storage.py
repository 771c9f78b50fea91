"""Storage engine: appends, reads, scans, index queries, concurrency and size at 100k records.

Collections are filled with ``git fast-import`` (one commit for all records, or one commit
per record for the realistic history used by the size benchmark); every timed operation
goes through gitml's own API (Collection.put / read / iter_paths, Index). Records are
run-like canonical TOML documents of about 420 bytes.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pygit2
from run import Context, Result

from gitml.records import codec
from gitml.records.ids import encode_base32
from gitml.records.schema import validate_record
from gitml.storage import RUNS_REF
from gitml.storage.collection import LAYOUT_PATH, Collection
from gitml.storage.index import Index, open_index
from gitml.storage.repo import open_repo

PREFIX = "runs"
BASE_MS = 1_767_323_045_000  # 2026-01-02
APPENDS = 200
WARMUP = 20
TARGET_APPEND_MS = 5.0
TARGET_GET_MS = 1.0
TARGET_QUERY_MS = 200.0
TARGET_SIZE_MB = 40.0
QUERY = (
    "json_extract(doc, '$.metrics.auc') > ? AND json_extract(doc, '$.params.lr') = ?",
    [0.9, 0.01],
    "json_extract(doc, '$.metrics.auc') DESC",
)
FORK = multiprocessing.get_context("fork")


# -- records and filling -------------------------------------------------------------------


def make_id(rng: random.Random, n: int) -> str:
    return encode_base32(((BASE_MS + n) << 80) | rng.getrandbits(80), 26)


def run_record(rng: random.Random, record_id: str, *, complete: bool = False) -> bytes:
    """A run-like record of about 420 bytes (the shape `git ml run` writes); ``complete``:
    every field the run schema requires (about 700 bytes), as pushes and pulls check."""
    if complete:
        return codec.dump_bytes(_complete_run(rng, record_id))
    doc = {
        "schema": "gitml/run/1",
        "id": record_id,
        "name": f"{rng.choice(['brisk', 'calm', 'keen'])}-{rng.choice(['otter', 'lynx', 'wren'])}",
        "status": rng.choice(["completed", "completed", "completed", "failed"]),
        "command": "python train.py --epochs 10",
        "started": "2026-01-02T03:04:05.123Z",
        "duration_s": round(rng.uniform(10, 5000), 3),
        "code": {"commit": f"{rng.getrandbits(160):040x}", "branch": "main", "dirty": False},
        "params": {
            "lr": rng.choice([0.1, 0.01, 0.001]),
            "depth": rng.randint(2, 12),
            "batch_size": rng.choice([32, 64, 128]),
        },
        "metrics": {"auc": round(rng.random(), 6), "loss": round(rng.random(), 6)},
        "inputs": {"train": f"xxh3-128:{rng.getrandbits(128):032x}"},
    }
    return codec.dump_bytes(doc)


def _complete_run(rng: random.Random, record_id: str) -> dict[str, Any]:
    sha = f"{rng.getrandbits(160):040x}"
    return {
        "schema": "gitml/run/1",
        "id": record_id,
        "name": f"{rng.choice(['brisk', 'calm', 'keen'])}-{rng.choice(['otter', 'lynx', 'wren'])}",
        "status": "completed",
        "started": "2026-01-02T03:04:05Z",
        "ended": "2026-01-02T03:04:05Z",
        "duration_s": round(rng.uniform(10, 5000), 3),
        "exit_code": 0,
        "command": ["python", "train.py", "--epochs", "10"],
        "cwd": ".",
        "user": {"name": "gitml", "email": "gitml@localhost"},
        "host": "bench",
        "code": {
            "commit": sha,
            "checkpoint": sha,
            "branch": "main",
            "dirty": False,
            "untracked": [],
        },
        "params": {"lr": rng.choice([0.1, 0.01, 0.001]), "depth": rng.randint(2, 12)},
        "metrics": {"auc": round(rng.random(), 6)},
        "metric_stats": {},
        "inputs": {"train": f"xxh3-128:{rng.getrandbits(128):032x}"},
        "outputs": {},
        "tags": {},
        "env": {"python": "3.12.0"},
    }


def bench_parse(path: str, data: bytes) -> dict[str, Any] | None:
    """Index parser for run-like records: TOML only (there is no run schema yet)."""
    if not path.endswith(".toml") or path.endswith(LAYOUT_PATH):
        return None
    return codec.loads(data, where=path)


def _data(payload: bytes) -> bytes:
    return b"data %d\n%s\n" % (len(payload), payload)


def fill(
    path: Path, count: int, *, history: bool, seed: int = 7, complete: bool = False
) -> list[str]:
    """A repository whose ``refs/gitml/runs`` holds ``count`` records; returns their ids
    (``complete``: schema-valid run records, see ``run_record``)."""
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    subprocess.run(
        ["git", "-C", str(path), "commit", "-q", "--allow-empty", "-m", "init"], check=True
    )
    coll = Collection(open_repo(path), RUNS_REF, PREFIX)
    rng = random.Random(seed)
    ids = [make_id(rng, n) for n in range(count)]
    layout = codec.dump_bytes(coll.layout())
    stamp = b"committer gitml <gitml@localhost> 1767323045 +0000\n"

    def stream() -> Iterator[bytes]:
        yield (
            b"commit refs/gitml/runs\n"
            + stamp
            + _data(b"create runs")
            + b"M 100644 inline layout.toml\n"
            + _data(layout)
        )
        for n, record_id in enumerate(ids):
            body = run_record(rng, record_id, complete=complete)
            line = b"M 100644 inline %s\n" % coll.record_path(record_id).encode()
            if history:
                message = f"add run {record_id} (completed)".encode()
                yield b"commit refs/gitml/runs\n" + stamp + _data(message) + line + _data(body)
            else:
                if n == 0:
                    yield b"commit refs/gitml/runs\n" + stamp + _data(b"import runs")
                yield line + _data(body)

    proc = subprocess.Popen(
        ["git", "fast-import", "--quiet", "--done"], cwd=path, stdin=subprocess.PIPE
    )
    assert proc.stdin is not None
    chunk: list[bytes] = []
    for piece in stream():
        chunk.append(piece)
        if len(chunk) >= 2000:
            proc.stdin.write(b"".join(chunk))
            chunk.clear()
    proc.stdin.write(b"".join(chunk) + b"done\n")
    proc.stdin.close()
    if proc.wait() != 0:
        raise RuntimeError("git fast-import failed")
    return ids


# -- measurements --------------------------------------------------------------------------


def ms(seconds: float) -> float:
    return seconds * 1000.0


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def time_appends(path: Path, count: int, rng: random.Random) -> list[float]:
    coll = Collection(open_repo(path), RUNS_REF, PREFIX)
    out: list[float] = []
    for n in range(WARMUP + count):
        record_id = make_id(rng, 10_000_000 + n)
        data = run_record(rng, record_id)
        record_path = coll.record_path(record_id)
        started = time.perf_counter()
        coll.put(record_path, data, f"add run {record_id} (completed)")
        if n >= WARMUP:
            out.append(time.perf_counter() - started)
    return out


def _append_worker(path: Path, worker: int, count: int, barrier: Any, queue: Any) -> None:
    rng = random.Random(1000 + worker)
    coll = Collection(open_repo(path), RUNS_REF, PREFIX)
    barrier.wait()
    times = []
    for n in range(count):
        record_id = make_id(rng, 20_000_000 + worker * 100_000 + n)
        data = run_record(rng, record_id)
        started = time.perf_counter()
        coll.put(coll.record_path(record_id), data, f"add run {record_id} (completed)")
        times.append(time.perf_counter() - started)
    queue.put(times)


def concurrent_appends(path: Path, workers: int, each: int) -> tuple[float, list[float]]:
    barrier = FORK.Barrier(workers + 1)
    queue = FORK.Queue()
    procs = [
        FORK.Process(target=_append_worker, args=(path, w, each, barrier, queue))
        for w in range(workers)
    ]
    for proc in procs:
        proc.start()
    barrier.wait()
    started = time.perf_counter()
    times: list[float] = []
    for _ in procs:
        times += queue.get(timeout=600)
    wall = time.perf_counter() - started
    for proc in procs:
        proc.join()
        if proc.exitcode != 0:
            raise RuntimeError(f"append worker failed ({proc.exitcode})")
    return wall, times


def git_size_mb(path: Path) -> float:
    total = 0
    for root, _dirs, files in os.walk(path / ".git"):
        for name in files:
            total += os.path.getsize(os.path.join(root, name))
    return total / 1e6


def count_records(path: Path) -> int:
    out = subprocess.run(
        ["git", "-C", str(path), "ls-tree", "-r", "--name-only", RUNS_REF],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return sum(1 for line in out.splitlines() if line != LAYOUT_PATH)


# -- the group -----------------------------------------------------------------------------


def _hermetic(ctx: Context) -> None:
    """Private git config: identity, default gc settings, nothing from the user's files."""
    home = ctx.workdir / "home"
    home.mkdir()
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Bench\n\temail = bench@example.com\n[init]\n\tdefaultBranch = main\n"
    )
    os.environ.update({"HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1", "XDG_CONFIG_HOME": str(home)})
    for level in (
        pygit2.enums.ConfigLevel.GLOBAL,
        pygit2.enums.ConfigLevel.XDG,
        pygit2.enums.ConfigLevel.SYSTEM,
    ):
        pygit2.settings.search_path[level] = str(home)


def run(ctx: Context) -> list[Result]:
    _hermetic(ctx)
    big = 10_000 if ctx.quick else 100_000
    sizes = [0, 1_000, big] if ctx.quick else [0, 10_000, big]
    rng = random.Random(42)
    results: list[Result] = []
    repos: dict[int, Path] = {}
    ids: dict[int, list[str]] = {}

    # Append latency, flat from 0 to `big` records.
    for size in sizes:
        path = ctx.workdir / f"bulk-{size}"
        started = time.perf_counter()
        ids[size] = fill(path, size, history=False)
        ctx.say(f"filled {size:,} records by fast-import in {time.perf_counter() - started:.1f} s")
        repos[size] = path
        times = time_appends(path, APPENDS, rng)
        median = ms(statistics.median(times))
        results.append(
            Result(
                f"append (Collection.put) at {size:,} records",
                median,
                "ms",
                f"median <= {TARGET_APPEND_MS:g} ms",
                median <= TARGET_APPEND_MS,
                f"p95 {ms(p95(times)):.2f} ms, n={len(times)}",
            )
        )

    # The same on tmpfs: the engine's own cost, without the disk's metadata latency
    # (every append creates ~6 files: 5 loose objects and the ref lock).
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        for size in (0, big):
            mem_path = Path(tempfile.mkdtemp(prefix="gitml-bench-", dir=shm)) / "repo"
            try:
                fill(mem_path, size, history=False)
                times = time_appends(mem_path, APPENDS, rng)
            finally:
                shutil.rmtree(mem_path.parent, ignore_errors=True)
            results.append(
                Result(
                    f"append at {size:,} records on tmpfs (engine cost, no disk)",
                    ms(statistics.median(times)),
                    "ms",
                    detail=f"p95 {ms(p95(times)):.2f} ms, n={len(times)}",
                )
            )

    path = repos[big]
    coll = Collection(open_repo(path), RUNS_REF, PREFIX)

    # Get by id, in-process.
    sample = random.Random(5).sample(ids[big], 1000)
    get_times = []
    for record_id in sample:
        started = time.perf_counter()
        data = coll.read(coll.record_path(record_id))
        get_times.append(time.perf_counter() - started)
        assert data is not None
    median = ms(statistics.median(get_times))
    results.append(
        Result(
            f"get by id (Collection.read) at {big:,}",
            median,
            "ms",
            f"median <= {TARGET_GET_MS:g} ms",
            median <= TARGET_GET_MS,
            f"p95 {ms(p95(get_times)):.3f} ms, n={len(get_times)}",
        )
    )

    # Full scan: every blob (pygit2 one by one, then the bulk reader), then parsed.
    raw = coll.repo.raw
    started = time.perf_counter()
    total = sum(len(raw[oid].read_raw()) for _path, oid in coll.iter_paths())
    results.append(
        Result(
            f"full scan, {big:,} blobs one by one (pygit2)",
            time.perf_counter() - started,
            "s",
            detail=f"{total / 1e6:.1f} MB",
        )
    )
    started = time.perf_counter()
    total = sum(len(data) for _path, data in coll.iter_records())
    results.append(
        Result(
            f"full scan, {big:,} blobs (Collection.iter_records)",
            time.perf_counter() - started,
            "s",
            detail="git cat-file --batch",
        )
    )
    started = time.perf_counter()
    parsed = sum(1 for p, data in coll.iter_records() if codec.loads(data, where=p))
    results.append(
        Result(
            f"full scan + TOML parse, {parsed:,} records",
            time.perf_counter() - started,
            "s",
            detail="tomllib (pure Python)",
        )
    )

    # Index: cold (index file deleted) and warm queries.
    index = open_index(coll)
    where, params, order = QUERY
    index.drop()
    started = time.perf_counter()
    index.refresh(coll, bench_parse)
    rows = index.rows(coll, where, params, order, limit=20)
    cold = time.perf_counter() - started
    results.append(
        Result(
            f"index query over {big:,}, cold (index deleted: full rebuild)",
            cold,
            "s",
            detail=f"{len(rows)} rows; TOML parse only, no schema validation",
        )
    )
    warm_times = []
    for _ in range(15):
        started = time.perf_counter()
        rows = index.rows(coll, where, params, order, limit=20)
        warm_times.append(time.perf_counter() - started)
    median = ms(statistics.median(warm_times))
    results.append(
        Result(
            f"index query over {big:,}, warm",
            median,
            "ms",
            f"median <= {TARGET_QUERY_MS:g} ms",
            median <= TARGET_QUERY_MS,
            "metrics.auc > 0.9 and params.lr == 0.01, top 20 by auc",
        )
    )
    fresh_times = []
    for _ in range(15):
        started = time.perf_counter()
        fresh = Index(index.path)
        rows = fresh.rows(coll, where, params, order, limit=20)
        fresh.close()
        fresh_times.append(time.perf_counter() - started)
    median = ms(statistics.median(fresh_times))
    results.append(
        Result(
            f"index query over {big:,}, warm, new connection",
            median,
            "ms",
            f"median <= {TARGET_QUERY_MS:g} ms",
            median <= TARGET_QUERY_MS,
            "what one `git ml ls` process pays (OS page cache warm)",
        )
    )
    count_times = []
    for _ in range(15):
        started = time.perf_counter()
        index.count(coll)
        count_times.append(time.perf_counter() - started)
    results.append(
        Result(f"index count(*) over {big:,}, warm", ms(statistics.median(count_times)), "ms")
    )
    prefix_times = []
    for record_id in sample[:200]:
        started = time.perf_counter()
        found = index.ids_with_prefix(coll, record_id[:12])
        prefix_times.append(time.perf_counter() - started)
        assert record_id in found
    results.append(
        Result(
            "index id-prefix lookup, warm",
            ms(statistics.median(prefix_times)),
            "ms",
            detail="12-char prefix",
        )
    )
    Collection(open_repo(path), RUNS_REF, PREFIX).put(
        coll.record_path("INCREMENTAL"), run_record(rng, "INCREMENTAL"), "add run INCREMENTAL"
    )
    started = time.perf_counter()
    Index(index.path).refresh(coll, bench_parse)
    results.append(
        Result(
            "index refresh after one append",
            ms(time.perf_counter() - started),
            "ms",
            detail="tree diff, new connection",
        )
    )
    index.close()
    validate_cost = _validation_cost()
    results.append(
        Result(
            "schema validation per record (estimate for cold rebuilds)",
            validate_cost * 1e6,
            "us",
            detail=f"~{validate_cost * big:.1f} s more per {big:,}-record rebuild",
        )
    )

    # Concurrent writers.
    before = count_records(path)
    workers, each = 4, 250
    wall, times = concurrent_appends(path, workers, each)
    after = count_records(path)
    results.append(
        Result(
            f"{workers} concurrent writers x {each} appends at {big:,}",
            (workers * each) / wall,
            "appends/s",
            "no record lost",
            after - before == workers * each,
            f"wall {wall:.1f} s; per append median {ms(statistics.median(times)):.1f} ms, p95 {ms(p95(times)):.1f} ms",
        )
    )

    # Size after gc: one commit per record (what real use produces) and one bulk commit.
    for history in (True, False):
        label = "one commit per record" if history else "one bulk commit"
        size_path = ctx.workdir / f"size-{'history' if history else 'bulk'}"
        started = time.perf_counter()
        fill(size_path, big, history=history, seed=11)
        filled = time.perf_counter() - started
        before_mb = git_size_mb(size_path)
        started = time.perf_counter()
        subprocess.run(["git", "-C", str(size_path), "gc", "-q"], check=True)
        gc_seconds = time.perf_counter() - started
        size_mb = git_size_mb(size_path)
        results.append(
            Result(
                f".git size, {big:,} records, {label}, after git gc",
                size_mb,
                "MB",
                f"<= {TARGET_SIZE_MB:g} MB" if history else "",
                size_mb <= TARGET_SIZE_MB if history else None,
                f"fast-import {filled:.0f} s -> {before_mb:.1f} MB; git gc {gc_seconds:.0f} s",
            )
        )
    return results


def _validation_cost() -> float:
    """Seconds to validate one small record against its JSON Schema (layout as a proxy)."""
    doc = {"schema": "gitml/layout/1", "collection": "runs", "fanout": 1, "shard": "xxh3-64:2"}
    validate_record(doc, where="warmup")
    started = time.perf_counter()
    for _ in range(2000):
        validate_record(doc, where="x")
    return (time.perf_counter() - started) / 2000
