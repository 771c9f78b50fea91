"""gitml records as MLflow entities, and MLflow's names for gitml's values."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import xxhash
from mlflow.entities import (
    Experiment,
    LifecycleStage,
    Metric,
    Param,
    Run,
    RunData,
    RunInfo,
    RunStatus,
    RunTag,
)

EXPERIMENT_TAG = "experiment"
DEFAULT_EXPERIMENT = "Default"
DEFAULT_EXPERIMENT_ID = "0"
RUN_NAME_TAG = "mlflow.runName"
PARENT_TAG = "mlflow.parentRunId"
TO_MLFLOW = {"completed": "FINISHED", "failed": "FAILED", "interrupted": "KILLED"}
FROM_MLFLOW = {"FINISHED": "completed", "FAILED": "failed", "KILLED": "interrupted"}


def experiment_id(name: str) -> str:
    """A stable id for an experiment name ("0" for MLflow's Default)."""
    if name == DEFAULT_EXPERIMENT:
        return DEFAULT_EXPERIMENT_ID
    return str(xxhash.xxh3_64_intdigest(name.encode("utf-8")) % 10**15 + 1)


def experiment(name: str) -> Experiment:
    return Experiment(
        experiment_id=experiment_id(name),
        name=name,
        artifact_location=f"gitml:/experiments/{experiment_id(name)}",
        lifecycle_stage=LifecycleStage.ACTIVE,
        tags=[],
    )


def artifact_uri(run_id: str) -> str:
    return f"gitml:/{run_id}/artifacts"


def millis(value: Any) -> int:
    stamp = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return int(stamp.timestamp() * 1000)


def status_of(gitml_status: str) -> str:
    return TO_MLFLOW.get(gitml_status, "FINISHED")


def run_from_record(
    doc: Mapping[str, Any], history_last: Mapping[str, tuple[int, int | None]]
) -> Run:
    """An MLflow ``Run`` of a gitml run record (``history_last``: metric -> (step, ms))."""
    tags = dict(doc.get("tags") or {})
    name = str(doc["name"])
    tags.setdefault(RUN_NAME_TAG, name)
    if doc.get("parent"):
        tags.setdefault(PARENT_TAG, str(doc["parent"]))
    ended = millis(doc["ended"])
    metrics = []
    for key, value in (doc.get("metrics") or {}).items():
        step, stamp = history_last.get(key, (0, None))
        metrics.append(Metric(key, float(value), stamp if stamp is not None else ended, step))
    params = [Param(k, _text(v)) for k, v in (doc.get("params") or {}).items()]
    info = RunInfo(
        run_id=str(doc["id"]),
        experiment_id=experiment_id(tags.get(EXPERIMENT_TAG, DEFAULT_EXPERIMENT)),
        user_id=str((doc.get("user") or {}).get("name", "")),
        status=status_of(str(doc["status"])),
        start_time=millis(doc["started"]),
        end_time=ended,
        lifecycle_stage=LifecycleStage.ACTIVE,
        artifact_uri=artifact_uri(str(doc["id"])),
        run_name=name,
    )
    return Run(info, RunData(metrics, params, [RunTag(k, v) for k, v in tags.items()]))


def _text(value: Any) -> str:
    """A param as MLflow shows it (MLflow's params are text; gitml's keep their type)."""
    if isinstance(value, bool):
        return "True" if value else "False"
    return value if isinstance(value, str) else str(value)


def run_status(value: Any) -> str:
    """MLflow's status (enum or name) as gitml's."""
    name = RunStatus.to_string(value) if isinstance(value, int) else str(value)
    return FROM_MLFLOW.get(name, "completed")
