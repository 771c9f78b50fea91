"""The body of ``git ml data ls``."""

from __future__ import annotations

from gitml.cli._output import Output
from gitml.data.catalog import list_datasets
from gitml.data.workspace import open_workspace
from gitml.units import format_bytes


def ls(*, json: bool = False) -> None:
    """List the datasets of this commit (from the pointer files)."""
    rows = list_datasets(open_workspace())
    out = Output(json)
    if out.listed(rows, none="no datasets; add one with `git ml data add PATH`"):
        return
    for row in rows:
        row["size"] = format_bytes(row["bytes"])
    out.table(
        rows,
        ["name", "path", "files", "size", "manifest"],
        never_truncate=["manifest", "name"],
    )
