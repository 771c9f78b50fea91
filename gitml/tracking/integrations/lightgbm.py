"""LightGBM: ``lgb.train(params, train_set, valid_sets=[...], callbacks=[gitml_callback()])``.

The training params become params, each validation result a metric ``<data>-<metric>``
at its iteration, and the booster after the last iteration the run's model (LightGBM's
text format).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import lightgbm  # noqa: F401  (the framework this callback is for: fail early without it)

import gitml.tracking as api
from gitml.tracking.integrations import RunScope, plain_params
from gitml.tracking.models import log_model as save


def gitml_callback(run_name: str | None = None, *, log_model: bool = True) -> Callable[[Any], None]:
    """A LightGBM callback reporting to the active gitml run (or one it starts)."""
    scope = RunScope(run_name)

    def callback(env: Any) -> None:
        if env.iteration == env.begin_iteration:
            scope.enter()
            api.log_params(plain_params(dict(env.params)))
        values = {
            f"{data}-{name}": float(value)
            for data, name, value, *_ in env.evaluation_result_list or []
        }
        api.log_metrics(values, step=env.iteration)
        if env.iteration == env.end_iteration - 1:
            if log_model:
                save(env.model, "model", flavor="lightgbm")
            scope.exit()

    callback.order = 40  # type: ignore[attr-defined]  # after LightGBM's own evaluation
    return callback
