"""A training script that relies on mlflow.sklearn.autolog() alone (data generated)."""

import mlflow
import numpy as np
from sklearn.ensemble import RandomForestClassifier

mlflow.sklearn.autolog()
rng = np.random.default_rng(1)
x = rng.normal(size=(200, 4))
y = (x[:, 0] + x[:, 1] > 0).astype(int)
with mlflow.start_run(run_name="forest"):
    RandomForestClassifier(n_estimators=5, max_depth=3, random_state=0).fit(x, y)
