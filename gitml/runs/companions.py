"""What runs beside a command under ``git ml run``: MLflow pointed at gitml, the sampler
of system metrics, and the run name the script proposes."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from gitml.runs.metrics import MetricEvent
from gitml.runs.paths import NAME_RE

if TYPE_CHECKING:
    from gitml.runs.execute import Member, RunRequest
    from gitml.runs.interpreter import Interpreter

MLFLOW_PLUGIN_GROUP = "mlflow.tracking_store"


def mlflow_in(interpreter: Interpreter) -> Literal["plugin", "mlflow"] | None:
    """``"plugin"`` when ``interpreter`` can import MLflow and has gitml's tracking-store
    plugin (an installed distribution declaring it in MLflow's entry-point group),
    ``"mlflow"`` when it has MLflow alone, else ``None``."""
    paths = [Path(p) for p in interpreter.path if p]
    if not any((p / "mlflow" / "__init__.py").is_file() for p in paths):
        return None
    for folder in paths:
        for info in folder.glob("gitml-*.dist-info"):
            try:
                text = (info / "entry_points.txt").read_text("utf-8")
            except OSError:
                continue
            if f"[{MLFLOW_PLUGIN_GROUP}]" in text:
                return "plugin"
    return "mlflow"


def proposed_name(request: RunRequest, member: Member, proposed: str | None) -> str:
    """The run's name: ``--name``, else the one the script proposed (``start_run(name=)``,
    MLflow's ``run_name``) when it is valid, else the generated one."""
    if request.name is None and member.sweep is None and proposed and NAME_RE.fullmatch(proposed):
        return proposed
    return member.name


def mlflow_env(interpreter: Interpreter, env: Mapping[str, str]) -> dict[str, str]:
    """``MLFLOW_TRACKING_URI=gitml:`` (and the registry's) when the command's Python has
    MLflow and gitml's plugin and the user set no tracking URI, so ``mlflow.log_*`` calls
    record this run. The registry URI is named too: MLflow otherwise looks for it in a
    Spark session on every call."""
    if env.get("MLFLOW_TRACKING_URI") or mlflow_in(interpreter) != "plugin":
        return {}
    names = {"MLFLOW_TRACKING_URI": "gitml:"}
    if not env.get("MLFLOW_REGISTRY_URI"):
        names["MLFLOW_REGISTRY_URI"] = "gitml:"
    return names


MLFLOW_DEFAULT_STORES = ("mlflow.db", "mlruns")


def mlflow_stores(cwd: Path) -> set[str]:
    """MLflow's default stores present in ``cwd`` (a run that makes one logged to MLflow)."""
    return {name for name in MLFLOW_DEFAULT_STORES if (cwd / name).exists()}


def mlflow_missed(interpreter: Interpreter, cwd: Path, before: set[str]) -> str | None:
    """A warning when the command wrote MLflow's own store because its Python has MLflow
    but not gitml (so its ``mlflow.*`` calls were not recorded in this run)."""
    made = sorted(mlflow_stores(cwd) - before)
    if not made or mlflow_in(interpreter) != "mlflow":
        return None
    return (
        f"the command logged to MLflow's own store ({', '.join(made)}): its Python "
        f"({interpreter.executable}) has MLflow but not gitml; `pip install gitml` there so "
        "mlflow.* calls record the run"
    )


def system_sampler(request: RunRequest, into: list[MetricEvent]) -> Any:
    """A started sampler of CPU, memory and GPU use (``--system-metrics``), or None."""
    if not request.system_metrics:
        return None
    from gitml.runs.sysmetrics import Sampler

    def record(name: str, value: float, step: int, stamp: int) -> None:
        into.append(MetricEvent(name=name, step=step, value=value, timestamp=stamp))

    sampler = Sampler(record)
    sampler.start()
    return sampler
