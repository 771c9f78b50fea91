"""The body of ``git ml index verify``."""

from __future__ import annotations

from gitml.cli._output import Output
from gitml.runs.paths import runs_collection
from gitml.runs.store import run_parser
from gitml.storage.index_snapshot import verify as do_verify
from gitml.storage.repo import open_repo


def verify(*, json: bool = False, quiet: bool = False) -> int:
    """Re-derive every row of every index snapshot here from its record (exit 1 on a
    difference)."""
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
