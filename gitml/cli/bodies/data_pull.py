"""The body of ``git ml data pull``."""

from __future__ import annotations

from gitml.cli._output import Output
from gitml.cli.bodies.data_common import progress_bars
from gitml.data.share import pull_data
from gitml.data.workspace import open_workspace
from gitml.units import format_bytes


def pull(
    *,
    names: list[str] | None = None,
    remote: str | None = None,
    all_: bool = False,
    jobs: int | None = None,
    json: bool = False,
    quiet: bool = False,
) -> int:
    """Download the data the pointers name, then restore files missing from the work tree."""
    out = Output(json, quiet=quiet)
    with progress_bars(out) as progress:
        report = pull_data(
            open_workspace(),
            names or (),
            remote=remote,
            all_records=all_,
            jobs=jobs,
            progress=progress,
        )
    out.emit(
        report.as_dict(),
        f"pulled {report.transferred} object(s) ({format_bytes(report.nbytes)}) from "
        f"{report.remote}; restored {report.restored} file(s)",
    )
    for message in report.failed.values():
        out.error(message)
    if report.missing:
        out.error(
            f"{len(report.missing)} file(s) are not on data remote {report.remote} "
            f"(first: {report.missing[0]}); push them from a clone that has them"
        )
    return 0 if report.ok else 1
