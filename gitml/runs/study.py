"""A search's record: the sweep's parent run holds the study, the trials are its runs.

The shape shared by every search gitml records (``--search random|optuna`` here, and any
study whose trials become runs):

- the parent is a run whose id is the sweep id; its ``study`` table holds the search
  (sampler, pruner, objective, direction, space) and every trial (number, run, state,
  value); its ``params`` are the space as text, its metric ``best_<objective>`` the best
  value so far at each trial, and its tag ``gitml.best_run`` the best trial's run id;
- each trial is a run with ``sweep`` and ``parent`` both the parent's id and the tag
  ``gitml.trial`` (its number); a pruned trial is ``interrupted`` with ``gitml.pruned``.

Records are immutable and a trial is recorded when it ends, before the best is known, so
the best is marked on the parent, which is written last.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gitml.runs.metrics import MetricEvent
from gitml.runs.record import RunFacts, Status

if TYPE_CHECKING:
    from gitml.records.shapes import Direction, SearchKind, StudyTable, TrialState, TrialTable
    from gitml.search.samplers import SearchSettings

BEST_RUN_TAG = "gitml.best_run"
TRIAL_TAG = "gitml.trial"
PRUNED_TAG = "gitml.pruned"
SEARCH_TAG = "gitml.search"


@dataclass(frozen=True)
class TrialResult:
    """How one trial ended."""

    number: int
    run: str
    state: TrialState
    value: float | None

    def as_dict(self) -> TrialTable:
        found: TrialTable = {"trial": self.number, "run": self.run, "state": self.state}
        if self.value is not None:
            found["value"] = self.value
        return found


SEARCH_KINDS: dict[str, SearchKind] = {"random": "random", "optuna": "optuna"}
"""``--search`` as the study records it (``validate_request`` refused any other)."""
DIRECTIONS: dict[str, Direction] = {"max": "max", "min": "min"}


@dataclass(frozen=True)
class Study:
    """Everything the parent run records about a search."""

    search: SearchKind
    objective: str
    direction: Direction
    trials: int
    space: Mapping[str, str]
    settings: SearchSettings
    results: Sequence[TrialResult] = ()

    def best(self) -> TrialResult | None:
        scored = [r for r in self.results if r.state == "complete" and r.value is not None]
        if not scored:
            return None
        sign = 1.0 if self.direction == "max" else -1.0
        return max(scored, key=lambda r: (sign * float(r.value or 0.0), -r.number))

    def table(self) -> StudyTable:
        found: StudyTable = {
            "search": self.search,
            "objective": self.objective,
            "direction": self.direction,
            "trials": self.trials,
            "space": dict(self.space),
            "results": [r.as_dict() for r in sorted(self.results, key=lambda r: r.number)],
        }
        if "sampler" in self.settings:
            found["sampler"] = self.settings["sampler"]
        if "pruner" in self.settings:
            found["pruner"] = self.settings["pruner"]
        if "seed" in self.settings:
            found["seed"] = self.settings["seed"]
        best = self.best()
        if best is not None and best.value is not None:
            found["best"] = {"run": best.run, "trial": best.number, "value": best.value}
        return found

    def history(self) -> list[MetricEvent]:
        """``best_<objective>``: the best value after each trial (by trial number)."""
        events: list[MetricEvent] = []
        best: float | None = None
        sign = 1.0 if self.direction == "max" else -1.0
        for result in sorted(self.results, key=lambda r: r.number):
            value = result.value
            if result.state == "complete" and value is not None:
                best = value if best is None else sign * max(sign * best, sign * value)
            if best is not None:
                events.append(MetricEvent(f"best_{self.objective}", result.number, best))
        return events


def parent_facts(parent: RunFacts, study: Study, *, interrupted: bool) -> RunFacts:
    """The parent run of a search, from ``parent`` (its id the sweep's) with the study's
    params, history and best trial: completed when a trial completed, else failed."""
    best = study.best()
    if interrupted:
        status, code = Status.INTERRUPTED, 130
    elif best is not None:
        status, code = Status.COMPLETED, 0
    else:
        status, code = Status.FAILED, 1
    tags = {**parent.tags, SEARCH_TAG: study.search}
    if best is not None:
        tags[BEST_RUN_TAG] = best.run
    return parent._replace(
        status=status,
        exit_code=code,
        params={**parent.params, **study.space},
        events=study.history(),
        tags=tags,
        study=study.table(),
    )
