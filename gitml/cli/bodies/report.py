"""The body of ``git ml report``."""

from __future__ import annotations

from pathlib import Path

from gitml.cli._output import Output
from gitml.errors import GitmlError
from gitml.storage.repo import open_repo
from gitml.ui.report import build_report


def report(
    *,
    runs: list[str] | None = None,
    where: str | None = None,
    all_: bool = False,
    output: Path = Path("gitml-report.html"),
    quiet: bool = False,
) -> None:
    """Write one self-contained HTML report (charts included, opens with no network)."""
    result = build_report(open_repo(), tuple(runs or ()), where=where, all_branches=all_)
    target = output.expanduser()
    try:
        target.write_text(result.html, encoding="utf-8")
    except OSError as exc:
        raise GitmlError(f"cannot write {target}: {exc.strerror or exc}") from None
    out = Output(quiet=quiet)
    if result.matched > result.runs:
        out.warn(f"{result.matched} runs match; the report holds the newest {result.runs}")
    out.info(f"wrote {target} ({result.runs} run{'s' if result.runs != 1 else ''})")
