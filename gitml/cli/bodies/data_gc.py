"""The body of ``git ml data gc``."""

from __future__ import annotations

from gitml.cli._output import Output
from gitml.data.gc import collect
from gitml.data.workspace import open_workspace
from gitml.units import format_bytes


def gc(
    *,
    yes: bool = False,
    keep_days: float = 30.0,
    all_commits: bool = False,
    json: bool = False,
    quiet: bool = False,
) -> None:
    """Remove cached data that no branch, tag, recent commit or run refers to."""
    report = collect(open_workspace(), keep_days=None if all_commits else keep_days, remove=yes)
    out = Output(json, quiet=quiet)
    if json:
        out.json(report.as_dict())
        return
    if yes:
        out.summary(
            f"removed {report.removable} object(s) ({format_bytes(report.nbytes)}); kept {report.kept}"
        )
    else:
        out.line(
            f"would remove {report.removable} object(s) ({format_bytes(report.nbytes)}); "
            f"keeping {report.kept}. Run with --yes to remove them"
        )
