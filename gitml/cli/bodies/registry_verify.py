"""The body of ``git ml registry verify``."""

from __future__ import annotations

import os

from gitml.cli._output import Output
from gitml.cli._repo import repo_and_settings
from gitml.registry.verify import verify as verify_log


def verify(*, rev: str | None = None, json: bool = False, quiet: bool = False) -> int:
    """Check that the applied log matches the default branch's .gitml/stages.toml history."""
    repo, settings = repo_and_settings()
    report = verify_log(repo, settings, dict(os.environ), rev)
    out = Output(json, quiet=quiet)
    if json:
        out.json(report.as_dict())
    else:
        for skipped in report.skipped:
            out.warn(f"skipped commit {skipped.commit[:12]}: {skipped.reason}")
        for problem in report.problems:
            out.line(f"problem: {problem}")
        summary = (
            f"{report.events} event(s) on refs/gitml/registry, {report.expected} derived from "
            f".gitml/stages.toml on {report.branch} ({report.commit[:12]})"
        )
        if report.ok:
            out.info(f"ok: {summary}")
        else:
            out.info(f"{len(report.problems)} problem(s): {summary}")
    return 0 if report.ok else 1
