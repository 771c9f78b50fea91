"""Registration of every command module (each imports only typer at module level)."""

import typer

from gitml.cli import demo, project, sync


def register(app: typer.Typer) -> None:
    project.register(app)
    demo.register(app)
    sync.register(app)
