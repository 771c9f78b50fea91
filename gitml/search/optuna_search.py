"""``--search optuna``: gitml asks Optuna for each trial's params and tells it the result.

The study lives in memory while the search runs (its record is the sweep's parent run).
Trials use Optuna's ask-and-tell interface; the sampler is TPE by default (``constant_liar``
so that trials running at once do not all explore the same point), and the pruner (median
by default) reads the objective's step values as the member logs them, so a trial that
falls behind is stopped and recorded ``interrupted`` with the tag ``gitml.pruned``.
Calls into the study are serialised: members report from several threads.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from gitml.errors import GitmlError, UsageError
from gitml.runs.metrics import MetricEvent
from gitml.search.samplers import Trial, objective_values
from gitml.search.space import Dimension

if TYPE_CHECKING:
    import optuna.study
    import optuna.trial

    from gitml.search.samplers import SearchSettings

SAMPLERS = ("tpe", "random", "cmaes", "qmc")
PRUNERS = ("median", "hyperband", "none")


def import_optuna() -> Any:
    """The optuna module, or a one-line fix when the extra is not installed."""
    try:
        import optuna
    except ImportError:
        raise GitmlError(
            "--search optuna needs Optuna: pip install 'gitml[optuna]' (or pip install optuna)"
        ) from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def make_sampler(optuna: Any, name: str, seed: int | None) -> Any:
    samplers = optuna.samplers
    if name == "tpe":
        return samplers.TPESampler(seed=seed, constant_liar=True)
    if name == "random":
        return samplers.RandomSampler(seed=seed)
    if name == "cmaes":
        return samplers.CmaEsSampler(seed=seed)
    if name == "qmc":
        return samplers.QMCSampler(seed=seed)
    raise UsageError(f"--sampler {name}: choose one of {', '.join(SAMPLERS)}")


def make_pruner(optuna: Any, name: str) -> Any:
    pruners = optuna.pruners
    if name == "median":
        return pruners.MedianPruner()
    if name == "hyperband":
        return pruners.HyperbandPruner()
    if name == "none":
        return pruners.NopPruner()
    raise UsageError(f"--pruner {name}: choose one of {', '.join(PRUNERS)}")


class OptunaSearch:
    """An in-memory Optuna study driven trial by trial."""

    def __init__(
        self,
        space: Sequence[Dimension],
        *,
        objective: str,
        direction: str,
        sampler: str = "tpe",
        pruner: str = "median",
        seed: int | None = None,
    ) -> None:
        lib = import_optuna()
        self.space = list(space)
        self.objective = objective
        self.sampler_name = sampler
        self.pruner_name = pruner
        self.seed = seed
        self.study: optuna.study.Study = lib.create_study(
            direction="maximize" if direction == "max" else "minimize",
            sampler=make_sampler(lib, sampler, seed),
            pruner=make_pruner(lib, pruner),
        )
        self._states = lib.trial.TrialState
        self._lock = threading.Lock()

    def _suggest(self, trial: optuna.trial.Trial, dim: Dimension) -> Any:
        name = dim.key if dim.file is None else f"{dim.file}:{dim.key}"
        if dim.kind == "choice":
            return trial.suggest_categorical(name, list(dim.values))
        if dim.is_int:
            return trial.suggest_int(name, int(dim.low), int(dim.high), log=dim.log)
        return trial.suggest_float(name, dim.low, dim.high, log=dim.log)

    def ask(self) -> Trial:
        with self._lock:
            handle = self.study.ask()
            assignment = {(d.file, d.key): self._suggest(handle, d) for d in self.space}
            return Trial(handle.number, assignment, handle)

    def report(self, trial: Trial, events: Sequence[MetricEvent]) -> bool:
        values = objective_values(events, self.objective)
        with self._lock:
            for step in sorted(values):
                if step not in trial.reported:
                    trial.reported[step] = values[step]
                    trial.handle.report(values[step], step)
            if values and not trial.pruned and trial.handle.should_prune():
                trial.pruned = True
            return trial.pruned

    def tell(self, trial: Trial, value: float | None, state: str) -> None:
        states = self._states
        with self._lock:
            if trial.pruned:
                self.study.tell(trial.handle, state=states.PRUNED)
            elif state == "complete" and value is not None:
                self.study.tell(trial.handle, value)
            else:
                self.study.tell(trial.handle, state=states.FAIL)

    def settings(self) -> SearchSettings:
        found: SearchSettings = {"sampler": self.sampler_name, "pruner": self.pruner_name}
        if self.seed is not None:
            found["seed"] = self.seed
        return found
