"""The body of ``git ml ls``."""

from __future__ import annotations

from collections.abc import Sequence

from gitml.cli import _runs_view as view
from gitml.cli._output import Output
from gitml.errors import UsageError
from gitml.runs.store import list_runs
from gitml.storage.repo import open_repo

SHOWN_INVALID = 3


def ls(
    *,
    where: str | None = None,
    sort: Sequence[str] | None = None,
    limit: int = 20,
    columns: str | None = None,
    branch: str | None = None,
    all_: bool = False,
    commit: str | None = None,
    json: bool = False,
) -> None:
    """List runs as a table, newest first (or as a JSON array with --json)."""
    if limit < 0:
        raise UsageError(f"--limit {limit}: must be 0 (all) or more")
    repo = open_repo()
    commits = None
    if commit is not None:
        from gitml.runs.links import replaced_commits
        from gitml.storage.history import resolve_commit

        commits = sorted(replaced_commits(repo, resolve_commit(repo, commit)))
    listing = list_runs(
        repo,
        commits=commits,
        where=where,
        sort=tuple(sort or ()),
        limit=limit or None,
        branch=branch,
        all_branches=all_,
    )
    out = Output(json)
    if sort:
        from gitml.runs.query import unsorted_keys

        for key in unsorted_keys(sort, listing.runs):
            out.warn(f"--sort {key}: no run listed has this field, so it ordered nothing")
    if json:
        from gitml.runs.record import to_json

        out.json([to_json(doc) for doc in listing.runs])
    else:
        picked = columns.split(",") if columns else None
        rows, cols, headers, dropped = view.ls_table(listing.runs, picked)
        if rows:
            out.table(rows, cols, headers=headers, never_truncate=("id",))
        if dropped:
            out.info(f"({dropped} more columns; choose with --columns)")
    for problem in listing.invalid[:SHOWN_INVALID]:
        out.warn(f"skipped an unreadable run record: {problem}")
    if len(listing.invalid) > SHOWN_INVALID:
        out.warn(
            f"skipped {len(listing.invalid)} unreadable run records; `git ml check --all` lists them"
        )
    if listing.more:
        out.info(f"showing the newest {limit}; --limit 0 shows all")
    if not listing.runs and not json:
        out.info(
            view.no_runs_text(
                listing.hidden_other_branches, where=where, commit=commit, branch=branch
            )
        )
