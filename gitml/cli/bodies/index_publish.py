"""The body of ``git ml index publish``."""

from __future__ import annotations

from gitml.cli._output import Output
from gitml.governance.statement import publish_audited
from gitml.storage.repo import open_repo


def publish(*, json: bool = False, quiet: bool = False) -> None:
    """Audit the records, then sign a snapshot of the runs index stating the tips audited
    into refs/gitml/index (`git ml push` sends it)."""
    done = publish_audited(open_repo())
    out = Output(json, quiet=quiet)
    out.emit(
        {
            "commit": done.commit,
            "records": done.records,
            "rows": done.rows,
            "new_rows": done.new_rows,
            "segments": done.segments,
        },
        f"index snapshot {done.commit[:12]}: {done.rows} run rows at {done.records[:12]} "
        f"({done.new_rows} new, {done.segments} segment(s)); `git ml push` shares it",
    )
