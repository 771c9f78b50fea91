"""The bodies of ``git ml run``, ``ls``, ``show``, ``compare`` and ``relink``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from gitml.cli import _runs_view as view
from gitml.cli._body import options_body
from gitml.cli._output import Output
from gitml.cli._run_request import RunOptions
from gitml.errors import UsageError
from gitml.storage.repo import open_repo

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject
    from gitml.runs.sweep import SweepOutcome

SHOWN_INVALID = 3


@options_body(RunOptions)
def run(*, options: RunOptions, quiet: bool = False) -> int:
    """Run and record; report on stderr; return the exit code (the command's)."""
    from gitml.runs.execute import RunOutcome
    from gitml.runs.single import open_run, run_member, single_member

    request = options.request()
    out = Output(quiet=quiet)

    def report(member: RunOutcome) -> None:
        out.info("gitml: " + view.run_line(member.doc))
        if member.nested:
            out.info(
                f"gitml:   and {member.nested} nested run(s) (git ml ls --where \"parent = '{member.doc['id']}'\")"
            )
        for line in member.notes:
            out.info("gitml:   " + line)
        for problem in member.warnings:
            out.warn(problem)

    ws = open_run(open_repo(), request, Path.cwd())
    member = single_member(request)
    outcome: RunOutcome | SweepOutcome
    if member is not None:
        outcome = run_member(ws, request, member)
    else:  # a sweep, a search or a cluster run: the pool machinery
        from gitml.runs.dispatch import run_many

        outcome = run_many(ws, request, on_member=report)
    docs = [outcome.doc] if isinstance(outcome, RunOutcome) else list(outcome.runs)
    warning = view.withheld_warning(docs[0]) if docs else None
    if isinstance(outcome, RunOutcome):
        report(outcome)
        for line in view.code_lines(outcome.doc):
            out.info("gitml:   " + line)
    else:
        for line in view.sweep_summary(outcome):
            out.info(line)
    if warning is not None:
        out.info("gitml: warning: " + warning)
    return outcome.exit_code


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
    from gitml.runs.store import list_runs

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


def show(*, run_ref: str, json: bool = False) -> None:
    """Show everything about one run, with a summary of each metric's history and its reruns."""
    from gitml.cli import _rerun_view
    from gitml.rerun.select import find_reruns
    from gitml.runs.store import show_run

    repo = open_repo()
    doc, history, problem = show_run(repo, run_ref)
    reruns = find_reruns(repo, str(doc["id"]))
    out = Output(json)
    if problem is not None:
        out.warn(problem)
    if json:
        from gitml.runs.record import to_json

        data: JsonObject = to_json(doc)
        data["history"] = view.history_json(history)
        data["reruns"] = [
            {
                "id": r["id"],
                "name": r["name"],
                "started": r.get("started"),
                "verdict": r.get("rerun", {}).get("verdict"),
                "what_if": r.get("rerun", {}).get("what_if", []),
            }
            for r in reruns
        ]
        out.json(data)
        return
    for line in view.show_lines(doc, history):
        out.line(line)
    if doc.get("rerun"):
        for line in _rerun_view.rerun_table_lines(doc):
            out.line(line)
    if reruns:
        for line in _rerun_view.reruns_lines(reruns):
            out.line(line)


def compare(*, runs: Sequence[str], all_params: bool = False, json: bool = False) -> None:
    """Compare runs side by side: params that differ, metrics with deltas, data, code."""
    from gitml.runs.compare import compare_runs

    comparison = compare_runs(open_repo(), runs)
    out = Output(json)
    if json:
        out.json(comparison.as_dict())
        return
    for line in view.compare_lines(comparison, all_params=all_params):
        out.line(line)


def relink(
    *,
    head: str = "HEAD",
    depth: int = 200,
    dry_run: bool = False,
    json: bool = False,
    quiet: bool = False,
) -> None:
    """Attach runs of rebased, cherry-picked or squash-merged commits to their new commits."""
    from gitml.runs.links import relink as do_relink

    links = do_relink(open_repo(), head, depth=depth, dry_run=dry_run)
    out = Output(json, quiet=quiet)
    if json:
        out.json({"dry_run": dry_run, "links": [link.as_dict() for link in links]})
        return
    for link in links:
        (out.line if dry_run else out.summary)(f"{link.kind:7} {link.old} -> {link.new}")
    verb = "would link" if dry_run else "linked"
    out.info(f"{verb} {len(links)} rewritten commit(s)")
