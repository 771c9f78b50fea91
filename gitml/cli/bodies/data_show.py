"""The body of ``git ml data show``."""

from __future__ import annotations

from gitml.cli._output import Output, render_table
from gitml.cli.bodies.data_common import file_count
from gitml.data.catalog import column_summary, show_dataset
from gitml.data.workspace import open_workspace
from gitml.units import format_bytes


def show(*, name: str, files: bool = False, json: bool = False) -> None:
    """Show a dataset's manifest and the profiles of its tabular files."""
    info = show_dataset(open_workspace(), name, files=files)
    out = Output(json)
    if json:
        out.json(info)
        return
    out.line(f"dataset   {info['name']}")
    out.line(f"path      {info['path']} ({info['kind']})")
    out.line(f"pointer   {info['pointer']}")
    out.line(f"manifest  {info['manifest']}")
    out.line(f"files     {file_count(info['files'])} ({format_bytes(info['bytes'])})")
    for path, profile in info["profiles"].items():
        columns = profile.get("columns", {})
        out.line("")
        out.line(
            f"{path}: {profile.get('rows')} rows, {len(columns)} columns ({profile.get('format')})"
        )
        rows = [
            {
                "column": col,
                "type": spec.get("type"),
                "missing": spec.get("missing"),
                "summary": column_summary(spec),
            }
            for col, spec in sorted(columns.items(), key=lambda kv: kv[1].get("position", 0))
        ]
        out.line(render_table(rows, ["column", "type", "missing", "summary"]))
    for path in info["unprofiled"]:
        out.line(f"{path}: no profile (add it again with pyarrow installed)")
    for entry in info.get("entries", []):
        out.line(f"{entry['digest']}  {entry['size']:>12}  {entry['path']}")
