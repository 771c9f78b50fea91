"""The options of ``git ml run``, shared with ``git ml queue add`` (declared once)."""

from typing import Annotated

import typer

NameOpt = Annotated[
    str | None, typer.Option("--name", "-n", help="A name for the run (default: adjective-noun).")
]
MessageOpt = Annotated[
    str | None, typer.Option("--message", "-m", help="A note about why you ran it.")
]
TagOpt = Annotated[
    list[str] | None, typer.Option("--tag", "-t", help="A tag KEY=VALUE (repeatable).")
]
SetParamOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--set-param",
        "-S",
        help="Override a param in its params file for this run: [FILE:]KEY=VALUE; "
        "VALUE1,VALUE2,... runs a sweep over the grid (repeatable).",
    ),
]
ParamOpt = Annotated[
    list[str] | None,
    typer.Option("--param", "-P", help="Record an ad-hoc param KEY=VALUE (repeatable)."),
]
MetricsOpt = Annotated[
    list[str] | None,
    typer.Option("--metrics", "-M", help="A metrics file the command writes (JSON/YAML/TOML/CSV)."),
]
ParamsFileOpt = Annotated[
    list[str] | None,
    typer.Option("--params-file", help="An extra params file to read (repeatable)."),
]
InputOpt = Annotated[
    list[str] | None,
    typer.Option("--input", "-i", help="An input file or folder to record the digest of."),
]
OutputOpt = Annotated[
    list[str] | None,
    typer.Option("--output", "-o", help="An output file or folder to record the digest of."),
]
JobsOpt = Annotated[
    int,
    typer.Option(
        "--jobs", "-j", help="Sweep members to run at once, each in a temporary worktree."
    ),
]
BestOpt = Annotated[
    str | None,
    typer.Option(
        "--best",
        help="Metric that picks a sweep's best run: NAME, max:NAME or min:NAME "
        "(default: guessed from the name).",
    ),
]
OnOpt = Annotated[
    str | None,
    typer.Option(
        "--on",
        help="Run the members on a Ray cluster: ray (this machine's cluster or "
        "RAY_ADDRESS) or ray://HOST:PORT (the head's address); needs gitml[ray].",
    ),
]
RetriesOpt = Annotated[
    int,
    typer.Option(
        "--retries",
        help="Start a member again (a new run) when its worker or node died; "
        "the lost attempt is recorded interrupted.",
    ),
]
SearchOpt = Annotated[
    str | None,
    typer.Option(
        "--search",
        help="Search instead of a grid: random or optuna; -S gives the space, e.g. "
        "-S lr=loguniform(1e-4,1e-1) -S depth=int(2,8) -S opt=adam,sgd.",
    ),
]
TrialsOpt = Annotated[
    int, typer.Option("--trials", help="How many trials a search runs (each a run).")
]
ObjectiveOpt = Annotated[
    str | None,
    typer.Option(
        "--objective", help="The metric a search optimises, e.g. metrics.acc (optuna needs it)."
    ),
]
DirectionOpt = Annotated[
    str | None,
    typer.Option(
        "--direction",
        help="max or min the objective (default: guessed from its name, loss-like is min).",
    ),
]
SamplerOpt = Annotated[
    str, typer.Option("--sampler", help="Optuna's sampler: tpe (default), random, cmaes or qmc.")
]
PrunerOpt = Annotated[
    str,
    typer.Option(
        "--pruner",
        help="Optuna's pruner, fed the objective's step metrics: median (default), "
        "hyperband or none.",
    ),
]
SeedOpt = Annotated[
    int | None, typer.Option("--seed", help="Seed of a search's sampler (reproducible).")
]
CpusOpt = Annotated[
    float, typer.Option("--cpus", help="CPUs each member needs on a cluster (default 1).")
]
GpusOpt = Annotated[
    float, typer.Option("--gpus", help="GPUs each member needs on a cluster (default 0).")
]
