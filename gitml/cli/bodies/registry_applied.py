"""How ``git ml registry apply`` and a direct stage change show the stage events applied."""

from __future__ import annotations

from typing import Any

from gitml.cli._output import Output
from gitml.registry import records as rec


def print_applied(out: Output, report: Any, terminal: tuple[str, ...]) -> None:
    """The stage events applied, and the commits skipped."""
    for skipped in report.skipped:
        out.warn(f"skipped commit {skipped.commit[:12]}: {skipped.reason}")
    for event in report.events:
        origin = "merge" if event["source"] == "merge" else "commit"
        out.summary(
            f"{rec.describe_event(event, event['stage'] in terminal)} "
            f"({origin} {event['commit'][:7]}, seq {event['seq']})"
        )
    if not report.events:
        out.info(
            f"nothing to apply: refs/gitml/registry already reflects .gitml/stages.toml at "
            f"{report.tip[:12]} ({report.branch})"
        )
