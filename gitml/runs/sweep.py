"""Sweeps: ``-S lr=0.1,0.01 -S depth=3,5`` runs the grid; ``--jobs N`` runs it in parallel.

With one job the members run one after another in the working tree. With more, gitml
checkpoints the working tree once and gives each member its own temporary worktree of
that checkpoint (``git worktree add --detach``), removed afterwards, also on Ctrl-C.
Members share a ``sweep`` id; a failing member does not stop the others.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from gitml.errors import GitmlError
from gitml.records import ids
from gitml.runs.execute import (
    Assignment,
    Member,
    RunOutcome,
    RunRequest,
    Workspace,
    checkpoint,
    execute_member,
)
from gitml.runs.pool import LOST_TAG, RETRY_OF_TAG, in_worktree
from gitml.runs.study import PRUNED_TAG
from gitml.runs.supervise import Interrupted, Supervisor

if TYPE_CHECKING:
    from gitml.records.shapes import RunRecord

_LOWER_IS_BETTER = ("loss", "err", "error", "mse", "mae", "rmse", "perplexity", "latency")


@dataclass(frozen=True)
class SweepOutcome:
    sweep: str
    runs: list[RunRecord]
    errors: list[str] = field(default_factory=list)
    best: RunRecord | None = None
    best_metric: str | None = None
    best_goal: str = "max"
    interrupted: bool = False
    parent: RunRecord | None = None  # a search's parent run (its study)

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 130
        if self.errors or any(not _settled(r, self.runs) for r in self.runs):
            return 1
        return 0


def _settled(run: Mapping[str, Any], runs: Sequence[Mapping[str, Any]]) -> bool:
    """Whether a member ended as planned: completed, stopped by a search's pruner, or lost
    with its node and run again."""
    tags = run.get("tags") or {}
    if run["status"] == "completed" or tags.get(PRUNED_TAG) == "true":
        return True
    return LOST_TAG in tags and any(
        (r.get("tags") or {}).get(RETRY_OF_TAG) == run["id"] for r in runs
    )


def parse_best(text: str | None, runs: Sequence[Mapping[str, Any]]) -> tuple[str | None, str]:
    """(metric, "max"|"min") from ``--best [max:|min:]NAME`` or a guess from the names."""
    goal = ""
    name = text
    if text is not None and text[:4] in ("max:", "min:"):
        goal, name = text[:3], text[4:]
    if name is not None:
        name = name.removeprefix("metrics.")
    if name is None:
        names = sorted({k for r in runs for k in (r.get("metrics") or {})})
        if not names:
            return None, "max"
        name = names[0]
    if not goal:
        goal = "min" if any(word in name.lower() for word in _LOWER_IS_BETTER) else "max"
    return name, goal


def pick_best(runs: Sequence[RunRecord], metric: str | None, goal: str) -> RunRecord | None:
    scored = [r for r in runs if metric is not None and metric in r["metrics"]]
    if not scored or metric is None:
        return None
    sign = 1 if goal == "max" else -1
    return max(scored, key=lambda r: sign * r["metrics"][metric])


T = TypeVar("T")


def outcome_of(
    sweep: str,
    runs: list[RunRecord],
    errors: list[str],
    *,
    best: str | None,
    interrupted: bool,
) -> SweepOutcome:
    """The sweep's outcome, its best run picked by ``--best`` (or a guess)."""
    metric, goal = parse_best(best, runs)
    return SweepOutcome(
        sweep=sweep,
        runs=runs,
        errors=errors,
        best=pick_best(runs, metric, goal),
        best_metric=metric,
        best_goal=goal,
        interrupted=interrupted,
    )


def gather(
    calls: Sequence[Callable[[], T]],
    names: Sequence[str],
    *,
    jobs: int,
    sup: Supervisor,
    on_done: Callable[[T], None] | None = None,
) -> tuple[dict[int, T], list[str]]:
    """Run sweep members (one after another, or ``jobs`` at a time on threads).

    Returns each finished member's result by index and a line per member that failed
    with a ``GitmlError``; after an interrupt no new member starts.
    """
    results: dict[int, T] = {}
    errors: list[str] = []

    def done(index: int, outcome: T) -> None:
        results[index] = outcome
        if on_done is not None:
            on_done(outcome)

    if jobs == 1:
        for i, call in enumerate(calls):
            if sup.interrupted:
                break
            try:
                done(i, call())
            except Interrupted:
                break
            except GitmlError as exc:
                errors.append(f"{names[i]}: {exc}")
        return results, errors
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="gitml-sweep") as pool:
        futures: dict[Future[T], int] = {pool.submit(call): i for i, call in enumerate(calls)}
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in finished:
                index = futures[future]
                try:
                    done(index, future.result())
                except Interrupted:
                    continue
                except GitmlError as exc:
                    errors.append(f"{names[index]}: {exc}")
            if sup.interrupted:
                for future in pending:
                    future.cancel()
    return results, errors


def new_sweep(name: str | None, size: int) -> tuple[str, list[str]]:
    """A new sweep's id and its members' names, ``NAME-1`` to ``NAME-size`` (a made-up NAME
    where ``name`` is None)."""
    sweep_id = ids.new_id()
    base_name = name or ids.new_name()
    return sweep_id, [f"{base_name}-{i + 1}" for i in range(size)]


def run_sweep(
    ws: Workspace,
    sup: Supervisor,
    request: RunRequest,
    grid: Sequence[Assignment],
    *,
    on_member: Callable[[RunOutcome], None] | None = None,
) -> SweepOutcome:
    """Run every member of the grid; record each; report the best."""
    sweep_id, names = new_sweep(request.name, len(grid))
    members = [Member(a, n, sweep_id) for a, n in zip(grid, names, strict=True)]
    calls: list[Callable[[], RunOutcome]]
    if request.jobs == 1:
        calls = [partial(execute_member, ws, sup, request, m) for m in members]
    else:
        base = checkpoint(ws, sweep_id)
        calls = [partial(in_worktree, ws, sup, request, m, base) for m in members]
    results, errors = gather(
        calls, [m.name for m in members], jobs=request.jobs, sup=sup, on_done=on_member
    )
    runs = [results[i].doc for i in sorted(results)]
    return outcome_of(sweep_id, runs, errors, best=request.best, interrupted=sup.interrupted)
