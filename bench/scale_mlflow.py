"""The MLflow anchor of the scale group: the same N runs in MLflow's sqlite store.

Run by the Python of MLflow's own venv (``anchors.cached_venv``), never gitml's:
``python scale_mlflow.py DB_FOLDER N`` prints one JSON object of seconds and bytes.

Seeding: one run through ``MlflowClient`` (``create_run``, ``log_batch``,
``set_terminated``) shows which rows a real run writes, then N-1 more runs go in through
the ORM models of MLflow's ``SqlAlchemyStore`` (its schema, made by its migrations) as
bulk inserts of 10,000 runs a transaction: a run row, the tags the fluent API sets
(run name, user, source name and type, git commit), two params, two metrics and their
latest values. Logging 100,000 runs one client call at a time takes hours; the rows are
the same. The params and metrics follow the gitml seeder's (``scale_seed.py``): the same
random sequence, so both stores hold the same values.

Queries, timed in this process after a warm-up call each (median of 5, or one sample when
a call takes seconds; MLflow's import is reported apart): ``search_runs`` with the filter and order of ``git ml ls
--where ... --sort``, limited to the 20 rows ``ls`` shows; ``get_run`` by id; a run by
name (``attributes.run_name = ...``, which is how MLflow finds one).
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

BATCH = 10_000
WHERE = "metrics.acc > 0.5 and params.lr = '0.1'"
COMMIT = "0" * 40


def _timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _median(fn: Callable[[], object]) -> float:
    """After a warm-up call: the median of 5 calls, or one call when each takes seconds
    (MLflow's ``search_runs`` grows faster than linearly: 0.9 s at 10k runs, 13 s at 30k)."""
    warm_up = _timed(fn)
    return statistics.median(_timed(fn) for _ in range(5 if warm_up < 2 else 1))


def _rows(i: int, rng: random.Random, experiment: str, now_ms: int) -> dict[str, list[dict]]:
    run_id = uuid.uuid4().hex
    metrics = {"acc": rng.random(), "loss": rng.random()}
    params = {"lr": rng.choice([0.1, 0.01, 0.001]), "i": i}
    start = now_ms - 10_000_000 + i
    tags = {
        "mlflow.runName": f"bulk-{i}",
        "mlflow.user": "bench",
        "mlflow.source.name": "train.py",
        "mlflow.source.type": "LOCAL",
        "mlflow.source.git.commit": COMMIT,
    }
    metric_rows = [
        {"key": k, "value": v, "timestamp": start, "step": 0, "is_nan": False, "run_uuid": run_id}
        for k, v in metrics.items()
    ]
    return {
        "runs": [
            {
                "run_uuid": run_id,
                "name": f"bulk-{i}",
                "source_type": "LOCAL",
                "source_name": "",
                "entry_point_name": "",
                "user_id": "bench",
                "status": "FINISHED",
                "start_time": start,
                "end_time": start + 100,
                "source_version": "",
                "lifecycle_stage": "active",
                "artifact_uri": f"file:///artifacts/{run_id}/artifacts",
                "experiment_id": int(experiment),
            }
        ],
        "tags": [{"key": k, "value": v, "run_uuid": run_id} for k, v in tags.items()],
        "params": [{"key": k, "value": str(v), "run_uuid": run_id} for k, v in params.items()],
        "metrics": metric_rows,
        "latest_metrics": [dict(row) for row in metric_rows],
    }


def main(folder: Path, count: int) -> dict[str, float]:
    started = time.perf_counter()
    from mlflow.entities import Metric, Param, RunTag
    from mlflow.store.tracking.dbmodels import models
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
    from mlflow.tracking import MlflowClient
    from sqlalchemy import insert

    imported = time.perf_counter() - started
    db = folder / "mlflow.db"
    uri = f"sqlite:///{db}"
    store = SqlAlchemyStore(uri, str(folder / "artifacts"))
    client = MlflowClient(tracking_uri=uri)
    experiment = client.create_experiment("scale", artifact_location=str(folder / "artifacts"))
    seeding = time.perf_counter()
    rng = random.Random(23)
    first = client.create_run(experiment, run_name="real-0")
    now_ms = int(time.time() * 1000)
    client.log_batch(
        first.info.run_id,
        metrics=[Metric("acc", rng.random(), now_ms, 0), Metric("loss", rng.random(), now_ms, 0)],
        params=[Param("lr", str(rng.choice([0.1, 0.01, 0.001]))), Param("i", "0")],
        tags=[RunTag("mlflow.source.git.commit", COMMIT)],
    )
    client.set_terminated(first.info.run_id)
    tables = {
        "runs": models.SqlRun,
        "tags": models.SqlTag,
        "params": models.SqlParam,
        "metrics": models.SqlMetric,
        "latest_metrics": models.SqlLatestMetric,
    }
    for low in range(1, count, BATCH):
        batch: dict[str, list[dict]] = {name: [] for name in tables}
        for i in range(low, min(low + BATCH, count)):
            for name, rows in _rows(i, rng, experiment, now_ms).items():
                batch[name].extend(rows)
        with store.ManagedSessionMaker() as session:
            for name, model in tables.items():
                session.execute(insert(model.__table__), batch[name])
    seeded = time.perf_counter() - seeding
    db_bytes = sum(p.stat().st_size for p in folder.glob("mlflow.db*"))
    middle = client.search_runs(
        [experiment], filter_string=f"attributes.run_name = 'bulk-{count // 2}'"
    )[0].info.run_id

    found: list[int] = []

    def search() -> object:
        rows = client.search_runs(
            [experiment], filter_string=WHERE, order_by=["metrics.acc DESC"], max_results=20
        )
        found.append(len(rows))
        return rows

    def by_name() -> object:
        return client.search_runs(
            [experiment], filter_string=f"attributes.run_name = 'bulk-{count // 3}'"
        )

    return {
        "import (s)": imported,
        "seed (s)": seeded,
        "db bytes a run": db_bytes / count,
        "search --where --sort (s)": _median(search),
        "get run by id (s)": _median(lambda: client.get_run(middle)),
        "run by name (s)": _median(by_name),
        "rows": float(found[-1]),
    }


if __name__ == "__main__":
    out = main(Path(sys.argv[1]), int(sys.argv[2]))
    print(json.dumps(out))
