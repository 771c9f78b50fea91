"""XGBoost: ``xgb.train(params, dtrain, evals=[...], callbacks=[GitmlCallback()])``.

The booster's training params (objective, tree params) become params, each evaluation
result a metric ``<data>-<metric>`` at its iteration, and the booster the run's model
(XGBoost's ``.ubj``).
"""

from __future__ import annotations

import json
from typing import Any

from xgboost.callback import TrainingCallback

import gitml.tracking as api
from gitml.tracking.integrations import RunScope, plain_params
from gitml.tracking.models import log_model


class GitmlCallback(TrainingCallback):
    """Reports ``xgb.train`` (or a scikit-learn estimator's fit) to gitml."""

    def __init__(self, run_name: str | None = None, *, log_model: bool = True) -> None:
        super().__init__()
        self._scope = RunScope(run_name)
        self._log_model = log_model

    def before_training(self, model: Any) -> Any:
        self._scope.enter()
        config = json.loads(model.save_config()).get("learner", {})
        params: dict[str, Any] = {}
        params.update(config.get("learner_train_param", {}))
        params.update(config.get("learner_model_param", {}))
        booster = config.get("gradient_booster", {})
        params.update(booster.get("tree_train_param", {}))
        updater = booster.get("updater", {})
        if isinstance(updater, dict):
            for table in updater.values():
                if isinstance(table, dict):
                    params.update(table.get("train_param", {}))
        api.log_params(plain_params(params))
        return model

    def after_iteration(self, model: Any, epoch: int, evals_log: dict[str, Any]) -> bool:
        values = {
            f"{data}-{metric}": float(
                history[-1][0] if isinstance(history[-1], tuple) else history[-1]
            )
            for data, metrics in evals_log.items()
            for metric, history in metrics.items()
            if history
        }
        api.log_metrics(values, step=epoch)
        return False

    def after_training(self, model: Any) -> Any:
        if self._log_model:
            log_model(model, "model", flavor="xgboost")
        self._scope.exit()
        return model
