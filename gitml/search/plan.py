"""A search as a plan for the pool: ask the sampler for each trial, tell it each result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gitml.runs.execute import Member
from gitml.runs.live import Watch
from gitml.runs.metrics import MetricEvent
from gitml.runs.pool import Finished, Job
from gitml.runs.record import RunFacts
from gitml.runs.study import PRUNED_TAG, TRIAL_TAG, TrialResult
from gitml.search.samplers import Search, Trial

if TYPE_CHECKING:
    from gitml.records.shapes import TrialState


class TrialWatch(Watch):
    """Passes a trial's step metrics to the search's pruner."""

    def __init__(self, search: Search, trial: Trial) -> None:
        self.search = search
        self.trial = trial

    def metrics(self, events: Sequence[MetricEvent]) -> bool:
        return self.search.report(self.trial, events)


@dataclass(frozen=True)
class MarkPruned:
    """Tags a trial's record when the pruner stopped it (called as its record is written)."""

    trial: Trial

    def __call__(self, facts: RunFacts) -> RunFacts:
        if not self.trial.pruned:
            return facts
        return facts._replace(tags={**facts.tags, PRUNED_TAG: "true"})


@dataclass
class SearchPlan:
    """``trials`` members, each one trial of ``search``, in sweep ``sweep``."""

    search: Search
    trials: int
    objective: str
    sweep: str
    name: str
    results: list[TrialResult] = field(default_factory=list)
    _trials: dict[int, Trial] = field(default_factory=dict)

    def next_job(self) -> Job | None:
        if len(self._trials) >= self.trials:
            return None
        trial = self.search.ask()
        self._trials[trial.number] = trial
        member = Member(
            trial.assignment,
            f"{self.name}-{trial.number + 1}",
            sweep=self.sweep,
            parent=self.sweep,
            tags={TRIAL_TAG: str(trial.number)},
            finish=MarkPruned(trial),
        )
        return Job(trial.number, member, watch=TrialWatch(self.search, trial))

    def done(self, finished: Finished, *, retried: bool) -> None:
        if retried:
            return
        trial = self._trials[finished.job.index]
        outcome = finished.outcome
        value = None
        state: TrialState = "failed"
        if outcome is not None:
            metric = outcome.doc["metrics"].get(self.objective)
            if isinstance(metric, int | float) and not isinstance(metric, bool):
                value = float(metric)
            if trial.pruned:
                state = "pruned"
            elif outcome.doc["status"] == "completed" and value is not None:
                state = "complete"
        self.search.tell(trial, value, state)
        if outcome is not None:
            self.results.append(
                TrialResult(number=trial.number, run=outcome.doc["id"], state=state, value=value)
            )
