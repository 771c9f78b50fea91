"""The body of ``git ml data checkout``."""

from __future__ import annotations

from gitml.cli._output import Output
from gitml.cli.bodies.data_common import progress_bars
from gitml.data.checkout import checkout as do_checkout
from gitml.data.workspace import open_workspace


def checkout(
    *,
    paths: list[str] | None = None,
    force: bool = False,
    remote: str | None = None,
    jobs: int | None = None,
    json: bool = False,
    quiet: bool = False,
) -> None:
    """Restore the data the current commit's pointers name, from the cache or the data remote."""
    out = Output(json, quiet=quiet)
    with progress_bars(out) as progress:
        report = do_checkout(
            open_workspace(), paths or (), force=force, remote=remote, jobs=jobs, progress=progress
        )
    if json:
        out.json(report.as_dict())
        return
    for path in report.kept:
        out.info(f"kept in the cache before overwriting: {path}")
    if not report.restored and not report.removed:
        out.summary(f"data is up to date ({report.unchanged} file(s))")
        return
    out.summary(
        f"restored {len(report.restored)} file(s), removed {len(report.removed)}, "
        f"{report.unchanged} unchanged" + (f", {report.pulled} pulled" if report.pulled else "")
    )
