"""The options of ``git ml run`` (``queue add`` takes all but two of them, ``queue start`` ``--on``)."""

from typing import Annotated

import typer

NameOpt = Annotated[
    str | None,
    typer.Option(
        "--name", "-n", metavar="NAME", help="A name for the run (default: adjective-noun)."
    ),
]
MessageOpt = Annotated[
    str | None, typer.Option("--message", "-m", metavar="TEXT", help="A note about why you ran it.")
]
TagOpt = Annotated[
    list[str] | None,
    typer.Option("--tag", "-t", metavar="KEY=VALUE", help="A tag KEY=VALUE (repeatable)."),
]
SetParamOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set-param",
        "-S",
        metavar="[FILE:]KEY=VALUE",
        help="Override a param in its params file for this run: [FILE:]KEY=VALUE; "
        "VALUE1,VALUE2,... runs a sweep over the grid (repeatable).",
    ),
]
ParamOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--param", "-P", metavar="KEY=VALUE", help="Record an ad-hoc param KEY=VALUE (repeatable)."
    ),
]
MetricsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--metrics",
        "-M",
        metavar="FILE",
        help="A metrics file the command writes (JSON/YAML/TOML/CSV).",
    ),
]
ParamsFileOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--params-file", metavar="FILE", help="An extra params file to read (repeatable)."
    ),
]
InputOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--input", "-i", metavar="PATH", help="An input file or folder to record the digest of."
    ),
]
OutputOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--output", "-o", metavar="PATH", help="An output file or folder to record the digest of."
    ),
]
JobsOpt = Annotated[
    int,
    typer.Option(
        "--jobs",
        "-j",
        metavar="N",
        help="Sweep members to run at once, each in a temporary worktree.",
    ),
]
BestOpt = Annotated[
    str | None,
    typer.Option(
        "--best",
        metavar="METRIC",
        help="Metric that picks a sweep's best run: NAME, max:NAME or min:NAME "
        "(default: guessed from the name).",
    ),
]
OnOpt = Annotated[
    str | None,
    typer.Option(
        "--on",
        metavar="CLUSTER",
        help="Run the members on a Ray cluster: ray (this machine's cluster or "
        "RAY_ADDRESS) or ray://HOST:PORT (the head's address); needs gitml[ray].",
    ),
]
RetriesOpt = Annotated[
    int,
    typer.Option(
        "--retries",
        metavar="N",
        help="Start a member again (a new run) when its worker or node died; "
        "the lost attempt is recorded interrupted.",
    ),
]
SearchOpt = Annotated[
    str | None,
    typer.Option(
        "--search",
        metavar="KIND",
        help="Search instead of a grid: random or optuna; -S gives the space, e.g. "
        "-S lr=loguniform(1e-4,1e-1) -S depth=int(2,8) -S opt=adam,sgd.",
    ),
]
TrialsOpt = Annotated[
    int, typer.Option("--trials", metavar="N", help="How many trials a search runs (each a run).")
]
ObjectiveOpt = Annotated[
    str | None,
    typer.Option(
        "--objective",
        metavar="METRIC",
        help="The metric a search optimises, e.g. metrics.acc (optuna needs it).",
    ),
]
DirectionOpt = Annotated[
    str | None,
    typer.Option(
        "--direction",
        metavar="DIRECTION",
        help="max or min the objective (default: guessed from its name, loss-like is min).",
    ),
]
SamplerOpt = Annotated[
    str,
    typer.Option(
        "--sampler",
        metavar="SAMPLER",
        help="Optuna's sampler: tpe (default), random, cmaes or qmc.",
    ),
]
PrunerOpt = Annotated[
    str,
    typer.Option(
        "--pruner",
        metavar="PRUNER",
        help="Optuna's pruner, fed the objective's step metrics: median (default), "
        "hyperband or none.",
    ),
]
SeedOpt = Annotated[
    int | None,
    typer.Option("--seed", metavar="N", help="Seed of a search's sampler (reproducible)."),
]
CpusOpt = Annotated[
    float,
    typer.Option("--cpus", metavar="N", help="CPUs each member needs on a cluster (default 1)."),
]
GpusOpt = Annotated[
    float,
    typer.Option("--gpus", metavar="N", help="GPUs each member needs on a cluster (default 0)."),
]
SystemMetricsOpt = Annotated[
    bool,
    typer.Option(
        "--system-metrics",
        help="Sample CPU, memory and GPU use while the command runs into the run's "
        "step history (every $GITML_SYSTEM_METRICS_INTERVAL seconds, default 10).",
    ),
]
