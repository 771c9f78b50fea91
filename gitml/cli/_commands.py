"""Registration of every command module (each imports only typer at module level)."""

import typer

from gitml.cli import (
    check,
    completion,
    data,
    demo,
    imports,
    index,
    lineage,
    model,
    monitor,
    pipelines,
    project,
    queue,
    registry,
    rerun,
    runs,
    sync,
    ui,
)


def register(app: typer.Typer) -> None:
    project.register(app)
    runs.register(app)
    rerun.register(app)
    demo.register(app)
    sync.register(app)
    data.register(app)
    model.register(app)
    registry.register(app)
    monitor.register(app)
    check.register(app)
    pipelines.register(app)
    lineage.register(app)
    ui.register(app)
    completion.register(app)
    queue.register(app)
    imports.register(app)
    index.register(app)
