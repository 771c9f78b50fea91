"""The body of ``git ml monitor``."""

from __future__ import annotations

from pathlib import Path

from gitml.cli._body import options_body
from gitml.cli.bodies.monitor_report import (
    ReportView,
    build,
    check_format,
    finish,
    log_reports,
    resolved,
)
from gitml.errors import UsageError
from gitml.monitor.check import run_check
from gitml.monitor.reference import reference_profile, version_profile
from gitml.monitor.thresholds import load_limits


@options_body(ReportView)
def monitor(
    *,
    target: str,
    model: str | None = None,
    data: Path | None = None,
    prediction: str | None = None,
    label: str | None = None,
    reference: Path | None = None,
    options: ReportView,
) -> int:
    """Compare serving data with the training profile; exit 4 on an alert."""
    check_format(options.fmt)
    if target == "log":
        if model is None:
            raise UsageError("name the model: git ml monitor log MODEL[:VERSION]")
        name, _, only = model.partition(":")
        log_reports(name, only or None, options.json)
        return 0
    if model is not None:
        raise UsageError(f"unexpected argument {model!r}; pass the serving data with --data")
    if data is None:
        raise UsageError("--data FILE is required: the serving data to check")

    repo, ref, version = resolved(target)
    ref_doc = reference_profile(reference) if reference else version_profile(repo, version)
    outcome = run_check(
        ref_doc.profile,
        data,
        load_limits(repo.workdir, ref.model),
        prediction=prediction,
        label=label,
        recorded=version.get("metrics") or {},
        signature=version.get("signature"),
    )
    doc = build(
        "monitor",
        ref,
        version,
        outcome,
        data=data,
        reference=ref_doc.source,
        prediction=prediction,
        label=label,
    )
    return finish(repo, doc, options)
