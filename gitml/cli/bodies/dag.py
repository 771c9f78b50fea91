"""The body of ``git ml dag``."""

from __future__ import annotations

from collections.abc import Sequence

from gitml.cli._output import Output
from gitml.errors import UsageError
from gitml.pipelines.dag import FORMATS, render
from gitml.pipelines.graph import plan
from gitml.pipelines.project import open_project
from gitml.pipelines.status import pipeline_status


def dag(*, targets: Sequence[str] | None = None, fmt: str = "text", status: bool = False) -> None:
    """The stage graph: text, Mermaid or Graphviz DOT."""
    if fmt not in FORMATS:
        raise UsageError(f"--format {fmt!r}: choose one of {', '.join(FORMATS)}")
    project = open_project()
    stages = plan(project.graph, tuple(targets or ()))
    states = None
    if status:
        states = {r.stage: r.state for r in pipeline_status(project, tuple(targets or ()))}
    Output().line(render(project.graph, stages, fmt, states))
