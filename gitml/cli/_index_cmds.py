"""The bodies of ``git ml index publish`` and ``git ml index verify``."""

from __future__ import annotations

from gitml.cli._output import Output
from gitml.storage.repo import open_repo


def publish(*, json: bool = False, quiet: bool = False) -> None:
    """Audit the records, then sign a snapshot of the runs index stating the tips audited
    into refs/gitml/index (`git ml push` sends it)."""
    from gitml.governance.statement import publish_audited

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


def verify(*, json: bool = False, quiet: bool = False) -> int:
    """Re-derive every row of every index snapshot here from its record (exit 1 on a
    difference)."""
    from gitml.runs.paths import runs_collection
    from gitml.runs.store import run_parser
    from gitml.storage.index_snapshot import verify as do_verify

    collection = runs_collection(open_repo())
    verdicts = list(do_verify(collection, run_parser(collection)))
    out = Output(json, quiet=quiet)
    if json:
        out.json(
            [
                {
                    "ref": v.ref,
                    "commit": v.commit,
                    "rows": v.rows,
                    "signature": v.signature or "ok",
                    "problems": v.problems,
                }
                for v in verdicts
            ]
        )
    else:
        if not verdicts:
            out.summary("no index snapshot here")
        for v in verdicts:
            trust = (
                "signed by a trusted key" if v.signature is None else f"untrusted: {v.signature}"
            )
            if v.problems:
                out.error(f"{v.ref} ({v.commit[:12]}): {len(v.problems)} problem(s); {trust}")
                for problem in v.problems[:20]:
                    out.error(f"  {problem}")
            else:
                out.summary(
                    f"{v.ref} ({v.commit[:12]}): {v.rows} rows match their records; {trust}"
                )
    return 1 if any(v.problems for v in verdicts) else 0
