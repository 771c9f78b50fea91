"""The options ``git ml run`` and ``git ml queue add`` share, as one value."""

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from gitml.runs.execute import RunRequest


class RunOptions(NamedTuple):
    """The options of ``git ml run`` (``queue add`` takes all but ``on`` and
    ``system_metrics``), as both parsers give them."""

    command: Sequence[str] | None = None
    name: str | None = None
    message: str | None = None
    tag: Sequence[str] | None = None
    set_param: Sequence[str] | None = None
    param: Sequence[str] | None = None
    metrics: Sequence[str] | None = None
    params_file: Sequence[str] | None = None
    input_: Sequence[str] | None = None
    output: Sequence[str] | None = None
    jobs: int = 1
    best: str | None = None
    on: str | None = None
    retries: int = 0
    search: str | None = None
    trials: int = 10
    objective: str | None = None
    direction: str | None = None
    sampler: str = "tpe"
    pruner: str = "median"
    seed: int | None = None
    cpus: float = 1.0
    gpus: float = 0.0
    system_metrics: bool = False

    def request(self) -> "RunRequest":
        """The run these options ask for."""
        from gitml.runs.execute import RunRequest, SearchOptions
        from gitml.runs.params import parse_override, parse_param, parse_tag

        search = None
        if self.search is not None:
            search = SearchOptions(
                kind=self.search,
                trials=self.trials,
                objective=self.objective,
                direction=self.direction,
                sampler=self.sampler,
                pruner=self.pruner,
                seed=self.seed,
            )
        return RunRequest(
            command=tuple(self.command or ()),
            name=self.name,
            message=self.message,
            tags=dict(parse_tag(t) for t in self.tag or ()),
            overrides=tuple(parse_override(s) for s in self.set_param or ()),
            params=dict(parse_param(p) for p in self.param or ()),
            params_files=tuple(self.params_file or ()),
            metrics_files=tuple(self.metrics or ()),
            inputs=tuple(self.input_ or ()),
            outputs=tuple(self.output or ()),
            jobs=self.jobs,
            best=self.best,
            on=self.on,
            retries=self.retries,
            search=search,
            cpus=self.cpus,
            gpus=self.gpus,
            system_metrics=self.system_metrics,
        )
