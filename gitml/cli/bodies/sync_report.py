"""How ``git ml pull``, ``push``, ``sync`` and ``fetch`` report what they moved."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gitml.cli._output import Output
from gitml.sync import short_name

if TYPE_CHECKING:
    from gitml.sync import PullReport, PushReport


def print_pull(out: Output, report: PullReport) -> None:
    """How many records of each kind arrived."""
    arrived = {name: n for name, n in report.added.items() if n}
    if arrived:
        out.summary(
            f"pulled from {report.remote}: "
            + ", ".join(f"{n} {name} record(s)" for name, n in sorted(arrived.items()))
        )
    else:
        out.summary(f"pulled from {report.remote}: nothing new")


def print_data(out: Output, data: dict[str, object] | None) -> None:
    """What the data push moved, when it ran."""
    if data is not None and "not_pushed" in data:
        out.warn(f"data not pushed: {data['not_pushed']}")
    elif data is not None:
        out.summary(
            f"data pushed to data remote {data['remote']}: {data['transferred']} object(s), "
            f"{data['skipped']} already there"
        )
        missing = data.get("missing")
        if isinstance(missing, list) and missing:
            out.warn(f"{len(missing)} file(s) of the current data are not in the cache")


def print_pushed(out: Output, remote: str, report: PushReport) -> None:
    """The record refs pushed, and what became of the index snapshot."""
    if report.pushed:
        out.summary(f"pushed to {remote}: " + ", ".join(short_name(r) for r in report.pushed))
    else:
        out.summary(f"{remote} is up to date")
    if report.index is not None and report.index.startswith("not pushed"):
        out.warn(f"index snapshot {report.index}")
    elif report.index == "pushed":
        out.summary(f"index snapshot pushed to {remote}")
