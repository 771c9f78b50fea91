"""The stages of a pipeline as gitml uses them, with every path relative to the repository."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gitml.records.shapes import PipelinePlotTable

STAGE_FILE = "dvc.yaml"
LOCK_FILE = "dvc.lock"
DEFAULT_PARAMS = "params.yaml"


@dataclass(frozen=True, slots=True)
class Dep:
    """A file or folder a stage reads: as written (relative to ``wdir``) and in the repo."""

    path: str
    repo_path: str


@dataclass(frozen=True, slots=True)
class ParamsDep:
    """Params a stage reads from one file; ``keys`` ``None`` means the whole file."""

    path: str
    repo_path: str
    keys: tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class Out:
    """A file or folder a stage writes (``kind``: outs, metrics or plots)."""

    path: str
    repo_path: str
    kind: str = "outs"
    cache: bool = True
    persist: bool = False
    plot: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class PlotDef:
    """A plot: ``y`` maps each data file (repo-relative) to the fields drawn from it."""

    id: str
    y: Mapping[str, tuple[str, ...]]
    x: Mapping[str, str] = field(default_factory=dict)
    template: str = "linear"
    title: str | None = None
    x_label: str | None = None
    y_label: str | None = None

    def as_dict(self) -> PipelinePlotTable:
        out: PipelinePlotTable = {
            "id": self.id,
            "template": self.template,
            "y": {f: list(cols) for f, cols in self.y.items()},
            "x": dict(self.x),
        }
        if self.title is not None:
            out["title"] = self.title
        if self.x_label is not None:
            out["x_label"] = self.x_label
        if self.y_label is not None:
            out["y_label"] = self.y_label
        return out


@dataclass(frozen=True, slots=True)
class Stage:
    """One stage (a ``foreach``/``matrix`` member is a stage of its own, ``name@key``)."""

    name: str
    file: str  # the stage file, relative to the repository root
    cmd: str | tuple[str, ...]
    wdir: str  # relative to the repository root ("" for the root)
    deps: tuple[Dep, ...] = ()
    params: tuple[ParamsDep, ...] = ()
    outs: tuple[Out, ...] = ()
    frozen: bool = False
    always_changed: bool = False
    desc: str | None = None
    tracked: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def address(self) -> str:
        """``name`` in the root ``dvc.yaml``, ``path/dvc.yaml:name`` elsewhere."""
        return self.name if self.file == STAGE_FILE else f"{self.file}:{self.name}"

    @property
    def cmd_text(self) -> str:
        return self.cmd if isinstance(self.cmd, str) else " && ".join(self.cmd)

    @property
    def lock_cmd(self) -> str | list[str]:
        return self.cmd if isinstance(self.cmd, str) else list(self.cmd)


@dataclass(frozen=True, slots=True)
class PipelineFile:
    """One ``dvc.yaml``: its stages in file order and its top-level sections."""

    path: str  # relative to the repository root
    stages: tuple[Stage, ...]
    metrics: tuple[str, ...] = ()
    plots: tuple[PlotDef, ...] = ()
    params: tuple[str, ...] = ()
    artifacts: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def lock_path(self) -> str:
        folder = self.path.rpartition("/")[0]
        return f"{folder}/{LOCK_FILE}" if folder else LOCK_FILE
