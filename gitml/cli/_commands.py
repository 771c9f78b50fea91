"""Registration of every command module (each imports only typer at module level)."""

import typer

from gitml.cli import demo, project, runs, sync, ui


def register(app: typer.Typer) -> None:
    project.register(app)
    runs.register(app)
    demo.register(app)
    sync.register(app)
    ui.register(app)
