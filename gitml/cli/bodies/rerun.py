"""The body of ``git ml rerun``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from gitml.cli import _rerun_view as view
from gitml.cli._output import Output
from gitml.errors import GitmlError, UsageError
from gitml.rerun.replay import RerunOptions, plan_runs, rerun_run, rerun_set
from gitml.rerun.select import Selection, select_since, select_sweep
from gitml.runs.params import parse_override
from gitml.runs.store import get_run
from gitml.storage.repo import open_repo

if TYPE_CHECKING:
    from gitml.records.shapes import RunRecord
    from gitml.rerun.report import RerunResult
    from gitml.storage.repo import GitRepo

STDERR_FD = 2  # with --json the command's output goes here, so stdout stays pure JSON


def _one(out: Output, repo: GitRepo, text: str, options: RerunOptions, *, dry_run: bool) -> int:
    doc = get_run(repo, text)
    if dry_run:
        (plan,) = plan_runs(repo, [doc], options)
        out.emit(plan.as_dict(), "\n".join(view.plan_lines(plan)))
        return 0 if plan.problem is None else 1
    result = rerun_run(repo, doc, options, on_start=lambda d, path: _started(out, d, path))
    out.emit(result.as_dict(), "\n".join(view.result_lines(result)))
    return result.exit_code


def _selected(
    repo: GitRepo, run_ref: str | None, since: str | None, sweep: str | None
) -> Selection:
    """The runs named: one run, those since a commit, or a sweep's."""
    if run_ref is not None:
        return Selection([get_run(repo, run_ref)])
    if since is not None:
        return select_since(repo, since)
    return select_sweep(repo, str(sweep))


def _many(
    out: Output, repo: GitRepo, selection: Selection, options: RerunOptions, *, dry_run: bool
) -> int:
    if dry_run:
        plans = plan_runs(repo, selection.runs, options)
        if out.json_mode:
            out.json(
                {
                    "plans": [p.as_dict() for p in plans],
                    "skipped": [
                        {"run": {"id": d["id"], "name": d["name"]}, "reason": why}
                        for d, why in selection.skipped
                    ],
                }
            )
        else:
            for plan in plans:
                out.line("\n".join(view.plan_lines(plan)))
            for doc, why in selection.skipped:
                out.line(f"would skip {doc['id']} {doc['name']}: {why}")
            if not plans:
                out.line("nothing to rerun")
        return 0 if all(p.problem is None for p in plans) else 1

    def finished(result: RerunResult) -> None:
        out.info(f"gitml: {result.original['id']} {result.original['name']}: {result.verdict}")

    def failed(doc: RunRecord, message: str) -> None:
        out.error(f"{doc['id']} {doc['name']}: {message}")

    outcome = rerun_set(
        repo,
        selection,
        options,
        on_start=lambda d, path: _started(out, d, path),
        on_result=finished,
        on_error=failed,
    )
    out.emit(outcome.as_dict(), "\n".join(view.set_lines(outcome)))
    return outcome.exit_code


def _on_cluster(
    out: Output,
    repo: GitRepo,
    selection: Selection,
    options: RerunOptions,
    *,
    single: bool,
    on: str,
    retries: int,
) -> int:
    from gitml.cluster.rerun import rerun_on_cluster

    outcome = rerun_on_cluster(repo, selection, options, on=on, retries=retries)
    if single:
        if outcome.errors:
            raise GitmlError(outcome.errors[0][1])
        if not outcome.results:
            return outcome.exit_code
        result = outcome.results[0]
        out.emit(result.as_dict(), "\n".join(view.result_lines(result)))
        return result.exit_code
    for doc, message in outcome.errors:
        out.error(f"{doc['id']} {doc['name']}: {message}")
    out.emit(outcome.as_dict(), "\n".join(view.set_lines(outcome)))
    return outcome.exit_code


def _started(out: Output, doc: RunRecord, path: Path) -> None:
    out.info(
        f"gitml: rerunning {doc['id']} {doc['name']} at checkpoint "
        f"{str(doc['code']['checkpoint'])[:12]} in {path}"
    )


def rerun(
    *,
    run_ref: str | None = None,
    since: str | None = None,
    sweep: str | None = None,
    in_: Path | None = None,
    tolerance: list[str] | None = None,
    set_param: list[str] | None = None,
    dry_run: bool = False,
    on: str | None = None,
    retries: int = 0,
    json: bool = False,
    quiet: bool = False,
) -> int:
    """Rerun a recorded run from its code checkpoint, input data and params, and prove the result."""
    chosen = [x for x in (run_ref, since, sweep) if x is not None]
    if len(chosen) != 1:
        raise UsageError("name one run (RUN), or a set with --since REV or --sweep ID")
    out = Output(json, quiet=quiet)
    options = RerunOptions(
        tolerances=tuple(tolerance or ()),
        overrides=tuple(parse_override(s) for s in set_param or ()),
        keep_in=in_,
        stdout=STDERR_FD if json else None,
    )
    repo = open_repo()
    cluster = on is not None and not dry_run
    if run_ref is not None and not cluster:
        return _one(out, repo, run_ref, options, dry_run=dry_run)
    selection = _selected(repo, run_ref, since, sweep)
    if on is not None and cluster:
        single = run_ref is not None
        return _on_cluster(out, repo, selection, options, single=single, on=on, retries=retries)
    return _many(out, repo, selection, options, dry_run=dry_run)
