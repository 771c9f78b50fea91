"""Make an MLflow store the way MLflow itself writes it (run with MLflow's own venv).

Usage: python make_mlruns.py TRACKING_URI RUNS

RUNS runs in two experiments: params of several types, three metrics with a history of
five steps each (timestamps, and one repeated step), tags, a nested run for every tenth,
a failed and a killed run, artifacts on a few (a text file, an image, a model folder),
and a registered model with two versions and an alias.
"""

import sys
import tempfile
from pathlib import Path

from mlflow import MlflowClient
from mlflow.entities import Metric, Param, RunTag

uri, count = sys.argv[1], int(sys.argv[2])
client = MlflowClient(uri)
experiments = [client.create_experiment(name) for name in ("wine", "churn")]
base = 1_767_000_000_000
parents: dict[int, str] = {}
for i in range(count):
    tags = {"team": f"t{i % 3}", "mlflow.note.content": f"run {i}"}
    if i % 10 == 9 and (i - 9) in parents:
        tags["mlflow.parentRunId"] = parents[i - 9]
    run = client.create_run(
        experiments[i % 2], start_time=base + i * 1000, tags=tags, run_name=f"run-{i:05d}"
    )
    run_id = run.info.run_id
    parents[i] = run_id
    metrics = []
    for step in range(5):
        stamp = base + i * 1000 + step * 10
        metrics.append(Metric("loss", 1.0 / (i + step + 1), stamp, step))
        metrics.append(Metric("acc", (i % 100) / 100 + step / 1000, stamp, step))
    metrics.append(Metric("acc", 0.5, base + i * 1000 + 45, 4))  # a second value at step 4
    metrics.append(Metric("auc", 0.5 + (i % 50) / 100, base + i * 1000 + 60, 0))
    params = [
        Param("lr", str(10 ** -(i % 4))),
        Param("depth", str(i % 7)),
        Param("model", "forest" if i % 2 else "linear"),
        Param("nested/key", "x"),
    ]
    client.log_batch(run_id, metrics=metrics, params=params, tags=[RunTag("index", str(i))])
    if i % 250 == 0:
        with tempfile.TemporaryDirectory() as tmp:
            note = Path(tmp) / "notes.txt"
            note.write_text(f"run {i}\n")
            client.log_artifact(run_id, str(note))
            model = Path(tmp) / "model"
            model.mkdir()
            (model / "MLmodel").write_text(
                "flavors:\n  sklearn:\n    pickled_model: model.pkl\n"
                "    serialization_format: pickle\n"
            )
            (model / "model.pkl").write_bytes(b"not really a pickle " + str(i).encode())
            client.log_artifacts(run_id, str(model), "model")
    status = "FAILED" if i == 1 else "KILLED" if i == 2 else "FINISHED"
    client.set_terminated(run_id, status=status, end_time=base + i * 1000 + 900)

client.create_registered_model("churn-model")
for i in list(range(0, count, 250))[:2]:
    client.create_model_version("churn-model", f"runs:/{parents[i]}/model", run_id=parents[i])
client.set_registered_model_alias("churn-model", "production", "1")
print("made", count)
