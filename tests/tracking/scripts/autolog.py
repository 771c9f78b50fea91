"""A training script that relies on MLflow's autologging alone (data generated).

Usage: python autolog.py [sklearn|all] — ``mlflow.sklearn.autolog()`` (the default) or
``mlflow.autolog()``, which switches on every installed flavor's autologging.
"""

import sys

import mlflow
import numpy as np
from sklearn.ensemble import RandomForestClassifier

if sys.argv[1:] == ["all"]:
    mlflow.autolog()
else:
    mlflow.sklearn.autolog()
rng = np.random.default_rng(1)
x = rng.normal(size=(200, 4))
y = (x[:, 0] + x[:, 1] > 0).astype(int)
with mlflow.start_run(run_name="forest"):
    RandomForestClassifier(n_estimators=5, max_depth=3, random_state=0).fit(x, y)
