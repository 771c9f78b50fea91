"""Print, as JSON, what MLflow's own search_runs says about every run of a tracking URI
(params, metrics with full history, tags, parent), and what each run's model predicts."""

import json
import sys

import mlflow
import numpy as np
from mlflow import MlflowClient

uri = sys.argv[1]
mlflow.set_tracking_uri(uri)
client = MlflowClient(uri)
out = []
experiments = [e.experiment_id for e in client.search_experiments()]
for run in client.search_runs(experiments, max_results=50000):
    history = {
        key: [
            (m.step, m.value, m.timestamp) for m in client.get_metric_history(run.info.run_id, key)
        ]
        for key in run.data.metrics
    }
    entry = {
        "id": run.info.run_id,
        "name": run.info.run_name,
        "params": run.data.params,
        "metrics": run.data.metrics,
        "history": history,
        "tags": run.data.tags,
        "parent": run.data.tags.get("mlflow.parentRunId"),
    }
    if "--predict" in sys.argv and run.outputs and run.outputs.model_outputs:
        model_id = run.outputs.model_outputs[0].model_id
        model = mlflow.sklearn.load_model(f"models:/{model_id}")
        x = np.random.default_rng(7).normal(
            size=(5, int(sys.argv[sys.argv.index("--predict") + 1]))
        )
        entry["predictions"] = np.asarray(model.predict(x)).ravel().tolist()
    out.append(entry)
print(json.dumps(out))
