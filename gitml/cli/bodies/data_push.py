"""The body of ``git ml data push``."""

from __future__ import annotations

from gitml.cli._output import Output
from gitml.cli.bodies.data_common import progress_bars
from gitml.data.share import push_data
from gitml.data.workspace import open_workspace
from gitml.units import format_bytes


def push(
    *,
    remote: str | None = None,
    jobs: int | None = None,
    verify: bool = False,
    json: bool = False,
    quiet: bool = False,
) -> int:
    """Upload the current data and everything records reference to a data remote."""
    out = Output(json, quiet=quiet)
    with progress_bars(out) as progress:
        report = push_data(
            open_workspace(), remote=remote, jobs=jobs, progress=progress, verify=verify
        )
    if json:
        out.json(report.as_dict())
    else:
        out.summary(
            f"pushed {report.transferred} object(s) ({format_bytes(report.nbytes)}) to {report.remote}; "
            f"{report.skipped} already there" + (", verified" if verify else "")
        )
        if report.repaired:
            out.warn(
                f"{len(report.repaired)} object(s) on {report.remote} were corrupt and have been "
                f"replaced (first: {report.repaired[0]})"
            )
        if report.missing:
            out.warn(
                f"{len(report.missing)} file(s) of the current data are not in the cache "
                f"(first: {report.missing[0]}); pull them before pushing"
            )
    for message in report.failed.values():
        out.error(message)
    if report.failed:
        return 1
    return 0
