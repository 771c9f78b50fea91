"""The body of ``git ml scan``."""

from __future__ import annotations

from pathlib import Path

from gitml.cli._body import options_body
from gitml.cli.bodies.monitor_report import ReportView, build, check_format, finish, resolved
from gitml.errors import UsageError
from gitml.monitor.scan import load_callable, run_scan


@options_body(ReportView)
def scan(
    *,
    target: str,
    data: Path | None = None,
    predict: str | None = None,
    label: str | None = None,
    options: ReportView,
) -> int:
    """Pre-promotion checks of a model callable; exit 4 on an alert."""
    check_format(options.fmt)
    if data is None or predict is None:
        raise UsageError("--data FILE and --predict MODULE:FUNC are required")

    repo, ref, version = resolved(target)
    func = load_callable(predict, repo.workdir)
    outcome = run_scan(func, data, label=label, recorded=version.get("metrics") or {})
    doc = build("scan", ref, version, outcome, data=data, predict=predict, label=label)
    return finish(repo, doc, options)
