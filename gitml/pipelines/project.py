"""A work tree's pipeline: every ``dvc.yaml`` in it, parsed, and the DAG across them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from gitml.data.workspace import open_workspace
from gitml.pipelines.errors import PipelineError
from gitml.pipelines.graph import Graph, build_graph
from gitml.pipelines.model import STAGE_FILE, PipelineFile, Stage
from gitml.pipelines.paramfiles import ParamsCache
from gitml.pipelines.stagefile import load_stage_file
from gitml.storage.git import lines_z, run_git

if TYPE_CHECKING:
    from gitml.data.workspace import DataWorkspace


@dataclass
class Project:
    """The stage files of one work tree and where gitml keeps its state for them."""

    ws: DataWorkspace
    files: tuple[PipelineFile, ...]
    graph: Graph
    params: ParamsCache = field(default_factory=ParamsCache)

    @property
    def root(self) -> Path:
        return self.ws.workdir

    def stage(self, address: str) -> Stage:
        return self.graph.stages[address]

    def file_of(self, stage: Stage) -> PipelineFile:
        return next(f for f in self.files if f.path == stage.file)


def find_stage_files(root: Path) -> list[str]:
    """``dvc.yaml`` files of the work tree (tracked, or new and not ignored), root first."""
    try:
        proc = run_git(
            root, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--",
            STAGE_FILE, f":(glob)**/{STAGE_FILE}",
        )  # fmt: skip
    except OSError:
        proc = None
    found = set()
    if proc is not None and proc.returncode == 0:
        found = set(lines_z(proc.stdout))
    found = {p for p in found if (root / p).is_file()}
    if (root / STAGE_FILE).is_file():
        found.add(STAGE_FILE)
    return sorted(found, key=lambda p: (p.count("/"), p))


def open_project(start: Path | None = None, *, required: bool = True) -> Project:
    """The pipeline of the work tree containing ``start`` (default: the current folder)."""

    ws = open_workspace(start)
    paths = find_stage_files(ws.workdir)
    if not paths and required:
        raise PipelineError(
            f"no {STAGE_FILE} in {ws.workdir}; write one (DVC's format) to define stages"
        )
    cache = ParamsCache()
    files = tuple(load_stage_file(ws.workdir, p, cache) for p in paths)
    return Project(ws=ws, files=files, graph=build_graph(files), params=cache)
