"""``git ml index publish``: audit every record ref, then sign a snapshot stating the tips.

The snapshot's audit statement (``storage.audit_statement``) lets a checkout that trusts
the signer audit only the history after those tips, so the audit it vouches for is run
here, on exactly the tips it names, and a history or record it refuses publishes nothing.
"""

from __future__ import annotations

import os

from gitml.errors import CheckFailed, listing
from gitml.governance.check import CheckReport, audit_records
from gitml.registry.rules import records_settings
from gitml.runs.store import open_index
from gitml.storage.index_snapshot import Published, publish
from gitml.storage.repo import GitRepo


def publish_audited(repo: GitRepo) -> Published:
    """Audit the records as ``check --all`` does (by its committed settings), then sign and
    store the runs index snapshot with the audited tips (CheckFailed, nothing published,
    on a problem)."""
    report = CheckReport("all")
    audited = audit_records(repo, records_settings(repo, env=os.environ), report)
    problems = [finding.line() for finding in report.errors]
    if problems:
        raise CheckFailed(
            f"not publishing the index snapshot: the records fail the audit it would vouch "
            f"for, {len(problems)} problem(s):\n{listing(problems)}\n"
            "`git ml check --all` shows them all"
        )
    collection, index = open_index(repo)
    try:
        return publish(collection, index, audited=audited)
    finally:
        index.close()
