"""The body of ``git ml data add``."""

from __future__ import annotations

from gitml.cli._output import Output
from gitml.cli.bodies.data_common import file_count, progress_bars
from gitml.data.add import add_datasets
from gitml.data.workspace import LINK_CHOICES, link_mode, open_workspace
from gitml.errors import UsageError
from gitml.units import format_bytes


def add(
    *,
    paths: list[str],
    name: str | None = None,
    no_profile: bool = False,
    link: str = "auto",
    jobs: int | None = None,
    json: bool = False,
    quiet: bool = False,
) -> None:
    """Hash PATHs into the cache, record a manifest and write a pointer file per dataset."""
    if link not in LINK_CHOICES:
        raise UsageError(f"--link {link!r}: use one of {', '.join(LINK_CHOICES)}")
    ws = open_workspace()
    ws.link = link_mode(link)
    out = Output(json, quiet=quiet)
    with progress_bars(out) as progress:
        report = add_datasets(
            ws, paths, name=name, profile=not no_profile, jobs=jobs, progress=progress
        )
    if json:
        out.json(
            {
                "datasets": [
                    {
                        "name": d.name,
                        "path": d.path,
                        "pointer": d.pointer,
                        "manifest": str(d.digest),
                        "files": d.files,
                        "bytes": d.nbytes,
                        "changed": d.changed,
                        "stored": d.stored,
                        "rehashed": d.rehashed,
                    }
                    for d in report.datasets
                ],
                "gitignore": list(report.ignored),
                "profiled": list(report.profiled),
                "notes": list(report.notes),
            }
        )
        return
    for d in report.datasets:
        state = "updated" if d.changed else "unchanged"
        out.summary(
            f"{d.name}: {state} {d.path} ({file_count(d.files)}, {format_bytes(d.nbytes)}) -> {d.digest}"
        )
    for path in report.profiled:
        out.info(f"profiled {path}")
    for note in report.notes:
        out.warn(note)
    if any(d.changed for d in report.datasets) or report.ignored:
        files = [d.pointer for d in report.datasets] + ([".gitignore"] if report.ignored else [])
        out.info(f"next: git add {' '.join(files)} && git commit")
