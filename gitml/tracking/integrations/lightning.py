"""PyTorch Lightning: ``Trainer(logger=GitmlLogger())``.

Hyperparameters (``save_hyperparameters``) become params, every ``self.log`` value a
metric at the trainer's step, and the best checkpoint (else the last one) the run's model
(``model.ckpt``, Lightning's native format).
"""

from __future__ import annotations

from argparse import Namespace
from collections.abc import Mapping
from typing import Any

from lightning.pytorch.loggers.logger import Logger
from lightning.pytorch.utilities import rank_zero_only

import gitml.tracking as api
from gitml.tracking.integrations import RunScope, numbers, plain_params
from gitml.tracking.models import log_model_file


class GitmlLogger(Logger):
    """A Lightning logger writing to the active gitml run (or one it starts)."""

    def __init__(self, run_name: str | None = None, *, log_model: bool = True) -> None:
        super().__init__()
        self._scope = RunScope(run_name)
        self._log_model = log_model
        self._checkpoint: str | None = None
        self._started = False

    @property
    def name(self) -> str:
        return "gitml"

    @property
    def version(self) -> str:
        run = api.active_run()
        return run.id if run is not None else ""

    def _start(self) -> None:
        if not self._started:
            self._started = True
            self._scope.enter()

    @rank_zero_only
    def log_hyperparams(
        self, params: Mapping[str, Any] | Namespace, *args: Any, **kwargs: Any
    ) -> None:
        self._start()
        values = vars(params) if isinstance(params, Namespace) else dict(params)
        api.log_params(plain_params(values))

    @rank_zero_only
    def log_metrics(self, metrics: Mapping[str, Any], step: int | None = None) -> None:
        self._start()
        api.log_metrics({k: v for k, v in numbers(metrics).items() if k != "epoch"}, step=step)

    def after_save_checkpoint(self, checkpoint_callback: Any) -> None:
        path = getattr(checkpoint_callback, "best_model_path", "") or getattr(
            checkpoint_callback, "last_model_path", ""
        )
        if path:
            self._checkpoint = str(path)

    @rank_zero_only
    def finalize(self, status: str) -> None:
        self._start()
        if self._log_model and self._checkpoint and status == "success":
            log_model_file(self._checkpoint, "model.ckpt", flavor="pytorch")
        self._scope.exit("completed" if status == "success" else "failed")
