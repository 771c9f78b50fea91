"""A few run documents shaped like the index's ``doc`` column, with awkward corners."""

from __future__ import annotations

from typing import Any

RUNS: list[dict[str, Any]] = [
    {
        "schema": "gitml/run/1",
        "id": "r1",
        "name": "brisk-otter",
        "status": "completed",
        "started": "2026-01-02T03:04:05.123+00:00",
        "ended": "2026-01-02T03:05:05.123+00:00",
        "duration_s": 60.0,
        "exit_code": 0,
        "command": ["python", "train.py"],
        "message": "baseline",
        "host": "gpu-1",
        "user": {"name": "Ada", "email": "ada@example.com"},
        "params": {"lr": 0.01, "model.depth": 3, "opt": "adam", "flag": True, "layers": [64, 32]},
        "metrics": {"acc": 0.91, "loss": 0.2, "val-acc": 0.88},
        "metric_stats": {"loss": {"min": 0.2, "max": 1.3, "first": 1.3, "last": 0.2, "steps": 100}},
        "code": {
            "commit": "abc1" + "0" * 36,
            "checkpoint": "f" * 40,
            "branch": "main",
            "dirty": False,
            "untracked": [],
        },
        "inputs": {"train": "xxh3-128:" + "1" * 32},
        "outputs": {"model.pkl": "xxh3-128:" + "2" * 32},
        "tags": {"team": "vision", "mlflow.source.git.commit": "abc1"},
    },
    {
        "schema": "gitml/run/1",
        "id": "r2",
        "name": "calm-fox",
        "status": "failed",
        "started": "2026-01-03T00:00:00.000+02:00",
        "exit_code": 1,
        "sweep": "s1",
        "parent": "r1",
        "params": {"lr": "0.01", "opt": "sgd", "flag": False, "model.depth": 5},
        "metrics": {"acc": 0.55, "loss": 0.9},
        "metric_stats": {"loss": {"min": 0.9, "max": 2.0, "first": 2.0, "last": 0.9, "steps": 10}},
        "code": {"commit": "def" + "0" * 37, "branch": "exp/x", "dirty": True},
        "tags": {"team": "nlp"},
    },
    {
        "schema": "gitml/run/1",
        "id": "r3",
        "name": "eager-owl",
        "status": "interrupted",
        "started": "2025-12-31T23:59:59.999+00:00",
        "params": {"lr": 0.1, "opt": "Adam", "flag": "True", "é": 1, 'a"b': 2, "x y": 3},
        "metrics": {"acc": 0.95},
        "tags": {},
        "inputs": {"train": "xxh3-128:" + "3" * 32},
    },
    {
        "schema": "gitml/run/1",
        "id": "r4",
        "name": "quiet_100%",
        "status": "completed",
        "params": {"lr": None},
        "metrics": {},
    },
]
