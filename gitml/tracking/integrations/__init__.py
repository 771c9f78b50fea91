"""Training frameworks reporting to gitml without MLflow: one small module each, which
imports its framework when it is imported (``import gitml`` never does).

    from gitml.tracking.integrations.lightning import GitmlLogger       # Trainer(logger=...)
    from gitml.tracking.integrations.keras import GitmlCallback         # model.fit(callbacks=[...])
    from gitml.tracking.integrations.transformers import GitmlCallback  # Trainer(callbacks=[...])
    from gitml.tracking.integrations.xgboost import GitmlCallback        # xgb.train(callbacks=[...])
    from gitml.tracking.integrations.lightgbm import gitml_callback     # lgb.train(callbacks=[...])
    from gitml.tracking.integrations.optuna import GitmlCallback        # study.optimize(callbacks=[...])

Each records params, per-step metrics and (where the framework hands it over) the model
in its native format, into the active run: the command's run under ``git ml run``, the
``with gitml.start_run()`` block, or else a run the integration starts and ends itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import gitml.tracking as api
from gitml.runs.spool import flatten_params

if TYPE_CHECKING:
    from gitml.records.shapes import Params


class RunScope:
    """The run an integration reports to: the active one, or one it opened itself."""

    def __init__(self, name: str | None = None) -> None:
        self.name = name
        self.own: api.ActiveRun | None = None

    def enter(self) -> None:
        if api.active_run() is None:
            self.own = api.start_run(name=self.name)

    def exit(self, status: str = "completed") -> None:
        if self.own is not None:
            self.own.end(status)
            self.own = None


def numbers(values: Mapping[str, Any]) -> dict[str, float]:
    """The numeric entries of ``values`` (tensors and numpy scalars unwrapped)."""
    out: dict[str, float] = {}
    for key, value in values.items():
        item = getattr(value, "item", None)
        if callable(item):
            try:
                value = item()
            except (TypeError, ValueError, RuntimeError):
                continue
        if isinstance(value, int | float) and not isinstance(value, bool):
            out[str(key)] = float(value)
    return out


def plain_params(values: Mapping[str, Any], prefix: str = "") -> Params:
    """Params as gitml stores them (nested mappings as dotted keys, objects as their text),
    ``None`` left out."""
    return {k: v for k, v in flatten_params(values, prefix).items() if v is not None}
