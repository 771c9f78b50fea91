"""How a search picks each trial's params, hears its step metrics, and learns its result.

``RandomSearch`` samples the space with a seeded generator and never prunes. Optuna's
samplers and pruners live in ``gitml.search.optuna_search`` (imported only for them).
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypedDict

from gitml.runs.metrics import MetricEvent
from gitml.search.space import Dimension

Assignment = dict[tuple[str | None, str], Any]


class SearchSettings(TypedDict, total=False):
    """The sampler and pruner a search used, as its study records them."""

    sampler: str
    pruner: str
    seed: int


@dataclass
class Trial:
    """One trial: its number in the study, the params it runs with, and what it logged."""

    number: int
    assignment: Assignment
    handle: Any = None  # the sampler's own trial object (Optuna's)
    reported: dict[int, float] = field(default_factory=dict)  # step -> objective value
    pruned: bool = False


class Search(Protocol):
    """A sampler (and maybe a pruner) driving a study."""

    def ask(self) -> Trial: ...

    def report(self, trial: Trial, events: Sequence[MetricEvent]) -> bool:
        """Intermediate values of the objective; True when the trial should stop."""
        ...

    def tell(self, trial: Trial, value: float | None, state: str) -> None:
        """The trial's end: ``state`` is complete, pruned or failed."""
        ...

    def settings(self) -> SearchSettings:
        """The sampler and pruner, for the study's record."""
        ...


def objective_values(events: Sequence[MetricEvent], objective: str) -> dict[int, float]:
    """The objective's values by step among ``events`` (finite numbers only)."""
    return {
        e.step: float(e.value)
        for e in events
        if e.name == objective and math.isfinite(float(e.value))
    }


def sample(dim: Dimension, rng: random.Random) -> Any:
    """One value of ``dim``, uniformly (in log space for the log kinds)."""
    if dim.kind == "choice":
        return rng.choice(dim.values)
    if dim.kind == "uniform":
        return rng.uniform(dim.low, dim.high)
    if dim.kind == "loguniform":
        return math.exp(rng.uniform(math.log(dim.low), math.log(dim.high)))
    low, high = int(dim.low), int(dim.high)
    if dim.kind == "int":
        return rng.randint(low, high)
    value = math.exp(rng.uniform(math.log(low), math.log(high + 1)))
    return min(high, max(low, int(value)))


class RandomSearch:
    """Params drawn independently for each trial (reproducible with ``--seed``)."""

    def __init__(self, space: Sequence[Dimension], *, seed: int | None) -> None:
        self.space = list(space)
        self.seed = seed
        self._rng = random.Random(seed)
        self._count = 0
        self._lock = threading.Lock()

    def ask(self) -> Trial:
        with self._lock:
            assignment = {(d.file, d.key): sample(d, self._rng) for d in self.space}
            trial = Trial(self._count, assignment)
            self._count += 1
            return trial

    def report(self, trial: Trial, events: Sequence[MetricEvent]) -> bool:
        return False

    def tell(self, trial: Trial, value: float | None, state: str) -> None:
        return None

    def settings(self) -> SearchSettings:
        found: SearchSettings = {"sampler": "random"}
        if self.seed is not None:
            found["seed"] = self.seed
        return found
