"""Optuna: ``study.optimize(objective, n_trials=..., callbacks=[GitmlCallback()])``.

Each finished trial is a run of its own, nested in the study's run (the active run, or
one the callback starts) and in its sweep: the trial's params, its value (``value``, or
the names given) and its state. The study's run carries the best trial's params and
value and names its run in ``gitml.best_run``; under ``git ml run`` the best trial's own
record gets ``gitml.best = true``.
"""

from __future__ import annotations

from collections.abc import Sequence

import optuna

import gitml.tracking as api
from gitml.runs.nested import BEST_RUN_TAG
from gitml.tracking.integrations import plain_params

STATUS = {"COMPLETE": "completed", "PRUNED": "interrupted", "FAIL": "failed"}


class GitmlCallback:
    """Records each Optuna trial as a nested gitml run of the study's run."""

    def __init__(
        self, metric_names: Sequence[str] = ("value",), run_name: str | None = None
    ) -> None:
        self.metric_names = list(metric_names)
        self.run_name = run_name
        self.study_run: api.ActiveRun | None = None
        self.trial_runs: dict[int, str] = {}
        self._own = False

    def _study(self) -> api.ActiveRun:
        if self.study_run is None:
            active = api.active_run()
            self._own = active is None
            self.study_run = active if active is not None else api.start_run(name=self.run_name)
        return self.study_run

    def __call__(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        parent = self._study()
        run = api.open_run(
            name=f"trial-{trial.number}", parent=parent.id, outer=parent.sink, sweep=parent.id
        )
        run.log_params(plain_params(trial.params))
        run.set_tags({"optuna.study": study.study_name, "optuna.trial": trial.number})
        values = trial.values or []
        for name, value in zip(self.metric_names, values, strict=False):
            run.log_metric(name, float(value))
        for step, value in sorted(trial.intermediate_values.items()):
            run.log_metric("intermediate_value", float(value), step=step)
        self.trial_runs[trial.number] = run.id
        run.end(STATUS.get(trial.state.name, "failed"))
        self._mark_best(study)

    def _mark_best(self, study: optuna.Study) -> None:
        try:
            best = study.best_trial
        except ValueError:  # no finished trial yet, or a multi-objective study
            return
        parent = self._study()
        best_run = self.trial_runs.get(best.number)
        if best_run is None:
            return
        parent.set_tag(BEST_RUN_TAG, best_run)
        parent.log_params({f"best.{k}": v for k, v in plain_params(best.params).items()})
        for name, value in zip(self.metric_names, best.values or [], strict=False):
            parent.log_metric(f"best_{name}", float(value), step=best.number)

    def end(self) -> None:
        """End the study's run if the callback started it (call after ``optimize``)."""
        if self.study_run is not None and self._own:
            self.study_run.end()
        self.study_run = None
