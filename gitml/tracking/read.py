"""The read API: ``gitml.search_runs`` and ``gitml.get_run`` as typed runs or a frame.

``search_runs(where=..., order_by=...)`` takes the query language of ``git ml ls`` (a
superset of MLflow's filter strings: ``metrics.acc > 0.9 and params.lr = '0.01'``) and
sort keys (``"-metrics.acc"`` or MLflow's ``"metrics.acc DESC"``). It returns ``Run``
objects, or with ``output="pandas"`` a DataFrame with MLflow's column names (``run_id``,
``status``, ``start_time``, ``params.*``, ``metrics.*``, ``tags.*``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

from gitml.storage.repo import open_repo

if TYPE_CHECKING:
    import pandas

    from gitml.records.shapes import JsonObject, RunRecord
    from gitml.storage.repo import GitRepo

DEFAULT_MAX_RESULTS = 1000


@dataclass(frozen=True)
class Metric:
    """One value of a metric: step, value and (when known) milliseconds since the epoch."""

    step: int
    value: float
    timestamp: int | None = None


@dataclass(frozen=True)
class Run:
    """A recorded run. ``record`` is the full record (as ``git ml show --json`` prints)."""

    id: str
    name: str
    status: str
    started: datetime
    ended: datetime
    params: Mapping[str, Any]
    metrics: Mapping[str, float]
    tags: Mapping[str, str]
    parent: str | None
    sweep: str | None
    outputs: Mapping[str, str]
    record: RunRecord = field(repr=False)
    _repo: Path = field(repr=False, compare=False)

    def history(self, metric: str) -> list[Metric]:
        """Every logged value of ``metric``, in step order."""
        from gitml.runs.store import read_history

        events = read_history(open_repo(self._repo), self.record)
        return [Metric(e.step, e.value, e.timestamp) for e in events if e.name == metric]


def _repo(path: str | os.PathLike[str] | None) -> GitRepo:
    return open_repo(Path(path) if path is not None else Path.cwd())


def _run(doc: RunRecord, root: Path) -> Run:
    return Run(
        id=str(doc["id"]),
        name=str(doc["name"]),
        status=str(doc["status"]),
        started=_time(doc["started"]),
        ended=_time(doc["ended"]),
        params=dict(doc.get("params") or {}),
        metrics=dict(doc.get("metrics") or {}),
        tags=dict(doc.get("tags") or {}),
        parent=doc.get("parent"),
        sweep=doc.get("sweep"),
        outputs=dict(doc.get("outputs") or {}),
        record=doc,
        _repo=root,
    )


def _time(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def sort_keys(order_by: str | Sequence[str] | None) -> list[str]:
    """gitml sort keys of ``order_by`` (``-metrics.acc``, or MLflow's ``metrics.acc DESC``)."""
    if order_by is None:
        return []
    keys = [order_by] if isinstance(order_by, str) else list(order_by)
    out = []
    for key in keys:
        words = key.strip().split()
        if len(words) == 2 and words[1].upper() in ("ASC", "DESC"):
            out.append(("-" if words[1].upper() == "DESC" else "") + words[0])
        else:
            out.append(key.strip())
    return out


@overload
def search_runs(
    where: str | None = None,
    order_by: str | Sequence[str] | None = None,
    *,
    max_results: int = DEFAULT_MAX_RESULTS,
    output: Literal["list"] = "list",
    all_branches: bool = True,
    path: str | os.PathLike[str] | None = None,
) -> list[Run]: ...
@overload
def search_runs(
    where: str | None = None,
    order_by: str | Sequence[str] | None = None,
    *,
    max_results: int = DEFAULT_MAX_RESULTS,
    output: Literal["pandas"],
    all_branches: bool = True,
    path: str | os.PathLike[str] | None = None,
) -> pandas.DataFrame: ...
def search_runs(
    where: str | None = None,
    order_by: str | Sequence[str] | None = None,
    *,
    max_results: int = DEFAULT_MAX_RESULTS,
    output: Literal["list", "pandas"] = "list",
    all_branches: bool = True,
    path: str | os.PathLike[str] | None = None,
) -> list[Run] | pandas.DataFrame:
    """Runs matching ``where`` (newest first unless ``order_by``), at most ``max_results``.

    Runs of every branch by default (``all_branches=False``: the current branch's).
    """
    from gitml.runs.store import list_runs

    repo = _repo(path)
    listing = list_runs(
        repo,
        where=where or None,
        sort=sort_keys(order_by),
        limit=max_results,
        all_branches=all_branches,
    )
    runs = [_run(doc, repo.workdir_or_gitdir) for doc in listing.runs]
    if output == "pandas":
        return runs_frame(runs)
    if output != "list":
        raise ValueError(f"search_runs: output {output!r} is not 'list' or 'pandas'")
    return runs


def get_run(ref: str, *, path: str | os.PathLike[str] | None = None) -> Run:
    """A run by id, unique id prefix or name (the latest run of that name)."""
    from gitml.runs.store import get_run as find

    repo = _repo(path)
    return _run(find(repo, ref), repo.workdir_or_gitdir)


def runs_frame(runs: Sequence[Run]) -> pandas.DataFrame:
    """A DataFrame with MLflow's ``search_runs`` columns (needs pandas)."""
    import pandas as pd

    rows = []
    for run in runs:
        row: JsonObject = {
            "run_id": run.id,
            "run_name": run.name,
            "status": run.status,
            "start_time": run.started,
            "end_time": run.ended,
            "parent_run_id": run.parent,
        }
        row.update({f"metrics.{k}": v for k, v in run.metrics.items()})
        row.update({f"params.{k}": v for k, v in run.params.items()})
        row.update({f"tags.{k}": v for k, v in run.tags.items()})
        rows.append(row)
    return pd.DataFrame(rows)
