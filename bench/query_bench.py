"""Time `ls --where` style queries over 100k run documents in SQLite (warm).

Usage: PYTHONPATH=. python bench/query_bench.py [N_RUNS] [REPEATS]

Builds an index-shaped table (``records`` with a JSON ``doc`` column, as
gitml/storage/index.py stores it) in a temporary file, then times parse + to_sql +
execute + decoding the matching documents, and prints the median in milliseconds.
"""

from __future__ import annotations

import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from gitml.query import parse, parse_sort, sort_sql, to_sql

REF = "refs/gitml/runs"
QUERIES = [
    ("metrics.acc > 0.9 and params.lr = 0.01", None),
    ("metrics.acc > 0.5 and params.lr = '0.01'", None),
    ("status = 'completed' and (params.opt in ('adam', 'sgd') or metrics.loss < 0.1)", None),
    ("name like 'brisk%' and not code.dirty", None),
    ("params.lr = 0.5 or tags.team = 'nlp'", None),
    ("min(metrics.loss) < 0.05 and started > '2026-01-01'", None),
    ("params.model.depth >= 8", "-metrics.acc"),
]


def make_doc(i: int, rng: random.Random) -> dict[str, Any]:
    loss = rng.random()
    return {
        "schema": "gitml/run/1",
        "id": f"01J{i:023d}",
        "name": rng.choice(["brisk", "calm", "eager", "quiet"])
        + "-"
        + rng.choice(["otter", "fox"]),
        "status": rng.choice(["completed", "completed", "completed", "failed", "interrupted"]),
        "started": f"2026-01-{1 + i % 28:02d}T03:04:05.123+00:00",
        "ended": f"2026-01-{1 + i % 28:02d}T04:04:05.123+00:00",
        "duration_s": 3600.0,
        "exit_code": 0,
        "command": ["python", "train.py", "--lr", "0.01"],
        "message": "train a model",
        "user": {"name": "Ada", "email": "ada@example.com"},
        "host": "gpu-1",
        "params": {
            "lr": rng.choice([0.1, 0.01, 0.001]),
            "model.depth": rng.randint(1, 10),
            "opt": rng.choice(["adam", "sgd", "rmsprop"]),
            "batch": 64,
            "epochs": 10,
            "flag": rng.random() < 0.5,
        },
        "metrics": {"acc": rng.random(), "loss": loss, "f1": rng.random()},
        "metric_stats": {
            "loss": {"min": loss / 2, "max": 2.0, "first": 2.0, "last": loss, "steps": 100},
            "acc": {"min": 0.1, "max": 0.9, "first": 0.1, "last": 0.9, "steps": 100},
        },
        "code": {
            "commit": f"{i:040x}",
            "checkpoint": f"{i + 1:040x}",
            "branch": "main",
            "dirty": rng.random() < 0.1,
            "untracked": [],
        },
        "inputs": {"train": f"xxh3-128:{i:032x}"},
        "outputs": {"model.pkl": f"xxh3-128:{i + 7:032x}"},
        "tags": {"team": "vision"},
        "env": {"python": "3.11.7", "gitml": "0.1.0"},
    }


def build(path: Path, n: int) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(
        "CREATE TABLE records(ref TEXT NOT NULL, path TEXT NOT NULL, id TEXT NOT NULL, "
        "kind TEXT, doc TEXT, error TEXT, PRIMARY KEY(ref, path)) WITHOUT ROWID"
    )
    rng = random.Random(0)
    rows = []
    for i in range(n):
        doc = make_doc(i, rng)
        rows.append((REF, f"runs/{i:08d}.toml", doc["id"], "gitml/run/1", json.dumps(doc), None))
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO records VALUES(?, ?, ?, ?, ?, ?)", rows)
    conn.execute("COMMIT")
    return conn


def run(conn: sqlite3.Connection, where: str, sort: str | None, limit: int | None) -> int:
    """What `git ml ls --where W [--sort S] [--limit N]` asks of the index."""
    condition, params = to_sql(parse(where))
    order = sort_sql([parse_sort(sort)]) + ", id DESC" if sort else "id DESC"
    sql = (
        "SELECT id, path, doc FROM records WHERE ref=? AND error IS NULL "
        f"AND ({condition}) ORDER BY {order}"
    )
    args: list[object] = [REF, *params]
    if limit is not None:
        sql += " LIMIT ?"
        args.append(limit)
    return len([json.loads(doc) for _, _, doc in conn.execute(sql, args)])


def timed(repeats: int, call: Callable[[], int]) -> tuple[float, float, int]:
    times = []
    hits = 0
    for _ in range(repeats):
        started = time.perf_counter()
        hits = call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), min(times), hits


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        conn = build(Path(tmp) / "index.sqlite", n)
        elapsed = time.perf_counter() - started
        print(f"built {n} runs in {elapsed:.1f} s (sqlite {sqlite3.sqlite_version})")
        run(conn, "status = 'completed'", None, None)  # warm the page cache
        print("median ms   min ms   hits  query (--limit 100 | all matches decoded)")
        for where, sort in QUERIES:
            label = where + (f"  --sort {sort}" if sort else "")
            for limit in (100, None):
                median, best, hits = timed(repeats, partial(run, conn, where, sort, limit))
                shown = "--limit 100" if limit else "all"
                print(f"{median:9.1f} {best:8.1f} {hits:6d}  {label}  [{shown}]")
        conn.close()


if __name__ == "__main__":
    main()
