"""Hugging Face ``Trainer``: ``Trainer(..., callbacks=[GitmlCallback()])``.

The training arguments and the model's config become params, every logged value
(``loss``, ``learning_rate``, ``eval_*``) a metric at the global step, and the trained
model the run's model (``save_pretrained`` into the folder ``model``).
"""

from __future__ import annotations

from typing import Any

from transformers import TrainerCallback

import gitml.tracking as api
from gitml.tracking.integrations import RunScope, numbers, plain_params
from gitml.tracking.models import log_model_file


class GitmlCallback(TrainerCallback):
    """Reports a ``Trainer`` run to the active gitml run (or one it starts)."""

    def __init__(self, run_name: str | None = None, *, log_model: bool = True) -> None:
        self._scope = RunScope(run_name)
        self._log_model = log_model

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if not state.is_world_process_zero:
            return
        self._scope.enter()
        params = {
            k: v for k, v in args.to_dict().items() if isinstance(v, int | float | str | bool)
        }
        model = kwargs.get("model")
        config = getattr(model, "config", None)
        if config is not None:
            wanted = {k: v for k, v in config.to_dict().items() if isinstance(v, int | float | str)}
            params.update({f"model.{k}": v for k, v in wanted.items()})
        api.log_params(plain_params(params))

    def on_log(
        self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        if state.is_world_process_zero:
            api.log_metrics(numbers(logs or {}), step=int(state.global_step))

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if not state.is_world_process_zero:
            return
        model = kwargs.get("model")
        if self._log_model and model is not None:
            import tempfile
            from pathlib import Path

            with tempfile.TemporaryDirectory() as tmp:
                folder = Path(tmp) / "model"
                model.save_pretrained(folder)
                log_model_file(str(folder), "model", flavor="transformers")
        self._scope.exit()
