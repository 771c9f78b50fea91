"""Keras: ``model.fit(..., callbacks=[GitmlCallback()])``.

Training params (epochs, steps, batch size, the optimizer's config) become params, each
epoch's logs metrics at that epoch, and the trained model the run's model (``.keras``).
"""

from __future__ import annotations

from typing import Any

import keras

import gitml.tracking as api
from gitml.tracking.integrations import RunScope, numbers, plain_params
from gitml.tracking.models import log_model


class GitmlCallback(keras.callbacks.Callback):
    """Reports a ``fit`` to the active gitml run (or one it starts)."""

    def __init__(self, run_name: str | None = None, *, log_model: bool = True) -> None:
        super().__init__()
        self._scope = RunScope(run_name)
        self._log_model = log_model

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._scope.enter()
        params = plain_params(dict(self.params or {}))
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None:
            config = optimizer.get_config()
            params.update(plain_params(dict(config), "optimizer."))
        api.log_params(params)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        api.log_metrics(numbers(logs or {}), step=epoch)

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self._log_model:
            log_model(self.model, "model", flavor="keras")
        self._scope.exit()
