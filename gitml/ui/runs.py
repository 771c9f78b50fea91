"""The runs side of the UI's JSON: listing pages, one run, its diff, comparisons.

Every function takes a ``GitRepo`` and returns plain JSON-ready data; the HTTP handlers
and ``git ml report`` share them. Runs are read through ``gitml.runs`` (the CLI's code).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from gitml.errors import RecordNotFound, UsageError
from gitml.query.fields import spell_key
from gitml.runs.compare import compare_runs
from gitml.runs.metrics import merge_events
from gitml.runs.paths import runs_collection
from gitml.runs.query import column_getter
from gitml.runs.record import to_json
from gitml.runs.store import (
    count_runs,
    find_run,
    get_run,
    list_runs,
    read_history,
    read_packages,
    show_run,
)
from gitml.storage.git import GitFailed, run_git
from gitml.storage.tracked import current_branch
from gitml.ui.pipelines import plots_of

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject, RunRecord
    from gitml.runs.metrics import MetricEvent
    from gitml.storage.repo import GitRepo

BASE_COLUMNS = ("id", "name", "status", "started", "duration_s")
DEFAULT_METRICS = 4
DEFAULT_PARAMS = 4
COLUMN_SAMPLE = 1000
MAX_COMPARE = 50
MAX_DIFF_BYTES = 512 * 1024
MAX_POINTS = 4000
_SHA_RE = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_SWEEP_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+-]{0,127}")


def history_series(
    events: Sequence[MetricEvent], max_points: int = MAX_POINTS
) -> dict[str, dict[str, list[float | int]]]:
    """``{metric: {"steps": [...], "values": [...]}}``, one point per step, in step order.

    A metric with more than ``max_points`` steps is thinned to evenly spaced steps (its
    first and last kept): a chart cannot show more, and the page stays light.
    """

    out: dict[str, dict[str, list[float | int]]] = {}
    for event in merge_events(events):
        entry = out.setdefault(event.name, {"steps": [], "values": []})
        entry["steps"].append(event.step)
        entry["values"].append(event.value)
    for entry in out.values():
        count = len(entry["steps"])
        if count > max_points:
            picks = sorted({round(i * (count - 1) / (max_points - 1)) for i in range(max_points)})
            entry["steps"] = [entry["steps"][i] for i in picks]
            entry["values"] = [entry["values"][i] for i in picks]
    return out


def _getter(spelling: str) -> Callable[[Mapping[str, Any]], Any]:
    if spelling in BASE_COLUMNS:
        return lambda doc: doc.get(spelling)

    get: Callable[[Mapping[str, Any]], Any] = column_getter(spelling)
    return get


def _varying(docs: Sequence[Mapping[str, Any]], table: str) -> list[str]:
    keys = sorted({k for d in docs for k in (d.get(table) or {})})
    return [k for k in keys if len({repr((d.get(table) or {}).get(k)) for d in docs}) > 1]


def default_columns(docs: Sequence[Mapping[str, Any]]) -> list[str]:
    """Base columns, the branch (when runs span several), the first metrics and the params
    that vary across ``docs``."""

    metrics = sorted({k for d in docs for k in (d.get("metrics") or {})})[:DEFAULT_METRICS]
    params = _varying(docs, "params")[:DEFAULT_PARAMS]
    branches = {(d.get("code") or {}).get("branch") for d in docs}
    return [
        *BASE_COLUMNS,
        *(["code.branch"] if len(branches) > 1 else []),
        *(spell_key("metrics", m) for m in metrics),
        *(spell_key("params", p) for p in params),
    ]


def all_columns(docs: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every column a table of ``docs`` can show: base ones, then params, metrics, tags..."""

    out = [*BASE_COLUMNS, "code.branch", "code.commit", "user.name", "host", "sweep", "exit_code"]
    for table in ("metrics", "params", "tags", "inputs", "outputs"):
        prefix = "data" if table == "inputs" else table
        keys = sorted({k for d in docs for k in (d.get(table) or {})})
        out.extend(spell_key(prefix, k) for k in keys)
    return out


class _TipCache:
    """Values derived from the runs collection, kept while its ref tip stays the same."""

    def __init__(self) -> None:
        self._values: dict[tuple[str, ...], Any] = {}
        self._lock = threading.Lock()

    def get(self, repo: GitRepo, key: tuple[str, ...], make: Callable[[], Any]) -> Any:
        full = (str(repo.gitdir), str(runs_collection(repo).tip()), *key)
        with self._lock:
            if full in self._values:
                return self._values[full]
        value = make()
        with self._lock:
            if len(self._values) > 256:
                self._values.clear()
            self._values[full] = value
        return value


_CACHE = _TipCache()


def _sample(repo: GitRepo) -> tuple[list[str], list[str]]:
    """(default columns, every column), from the latest runs of every branch."""

    def make() -> tuple[list[str], list[str]]:
        docs = list_runs(repo, limit=COLUMN_SAMPLE, all_branches=True).runs
        return default_columns(docs), all_columns(docs)

    found: tuple[list[str], list[str]] = _CACHE.get(repo, ("sample",), make)
    return found


def _count(repo: GitRepo, where: str, branch: str | None) -> int:
    """Runs matching a filter; cached per tip, so paging and sorting count once."""

    def make() -> int:
        return count_runs(repo, where=where or None, branch=branch, all_branches=branch is None)

    total: int = _CACHE.get(repo, ("count", where, branch or ""), make)
    return total


def runs_page(
    repo: GitRepo,
    *,
    where: str = "",
    sort: Sequence[str] = (),
    columns: Sequence[str] = (),
    offset: int = 0,
    limit: int = 50,
    branch: str | None = None,
) -> JsonObject:
    """One page of the runs table: the requested cells of each run and the total count.

    ``branch`` keeps one branch's runs (``"."``: the current branch); default every branch.
    The default columns do not depend on the filter, so filtering never moves them.
    """

    if branch == ".":
        branch = current_branch(repo)
    picked = list(dict.fromkeys(c.strip() for c in columns if c.strip())) or _sample(repo)[0]
    getters = [_getter(c) for c in picked]
    listing = list_runs(
        repo,
        where=where or None,
        sort=tuple(sort),
        limit=limit,
        offset=offset,
        branch=branch,
        all_branches=branch is None,
    )
    rows = [
        {"id": doc["id"], "name": doc["name"], "cells": [get(doc) for get in getters]}
        for doc in listing.runs
    ]
    return {
        "total": _count(repo, where, branch),
        "offset": offset,
        "limit": limit,
        "branch": branch,
        "columns": picked,
        "rows": rows,
        "hidden_other_branches": listing.hidden_other_branches,
    }


def run_columns(repo: GitRepo) -> list[str]:
    """Columns a table can show: the base ones, then params, metrics and tags of recent runs."""
    return list(_sample(repo)[1])


def run_detail(repo: GitRepo, ref: str) -> JsonObject:
    """A run (its JSON record), its per-step metric curves and its parent.

    Its reruns are a query (``parent = 'ID'``), left to ``rerun_briefs`` or the runs API.
    """

    doc, history, problem = show_run(repo, ref)
    parent = find_run(repo, doc["parent"]) if "parent" in doc else None
    return {
        "run": to_json(doc),
        "history": history_series(history),
        "parent": _brief(parent) if parent else None,
        "plots": plots_of(repo, [doc]),
        "warnings": [problem] if problem else [],
    }


def rerun_briefs(repo: GitRepo, run_id: str) -> list[JsonObject]:
    where = f"parent = '{run_id}' and rerun.verdict is not null"
    reruns = list_runs(repo, where=where, limit=100, all_branches=True)
    return [_brief(r) for r in reruns.runs]


def _brief(doc: RunRecord) -> JsonObject:
    return {
        "id": doc["id"],
        "name": doc["name"],
        "status": doc["status"],
        "started": doc["started"],
        "metrics": doc["metrics"],
    }


def run_packages(repo: GitRepo, ref: str) -> JsonObject:
    doc = get_run(repo, ref)
    return {"id": doc["id"], "packages": read_packages(repo, doc)}


def run_diff(repo: GitRepo, ref: str) -> JsonObject:
    """The patch from the run's commit to its checkpoint (uncommitted work it ran with)."""

    doc = get_run(repo, ref)
    commit, checkpoint = doc["code"]["commit"], doc["code"]["checkpoint"]
    out: JsonObject = {
        "id": doc["id"],
        "commit": commit,
        "checkpoint": checkpoint,
        "patch": "",
        "truncated": False,
        "error": None,
    }
    if not commit or commit == checkpoint:
        return out
    if not (_SHA_RE.fullmatch(commit) and _SHA_RE.fullmatch(checkpoint)):
        out["error"] = "the run's code commit or checkpoint is not a commit id"
        return out
    try:
        proc = run_git(
            repo.workdir_or_gitdir,
            "diff", "--no-color", "--no-ext-diff", "--no-textconv", commit, checkpoint,
            timeout=30,
        )  # fmt: skip
    except (OSError, GitFailed) as exc:
        out["error"] = f"git diff failed: {exc}"
        return out
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        out["error"] = (
            f"git diff {commit[:12]} {checkpoint[:12]} failed: "
            f"{detail[-1] if detail else 'no message'} (is the checkpoint fetched?)"
        )
        return out
    data = proc.stdout
    out["truncated"] = len(data) > MAX_DIFF_BYTES
    out["patch"] = data[:MAX_DIFF_BYTES].decode("utf-8", "replace")
    return out


def sweep_refs(repo: GitRepo, sweep: str) -> list[str]:
    """Ids of a sweep's runs, oldest first."""

    if not _SWEEP_RE.fullmatch(sweep):
        raise UsageError(f"sweep {sweep!r} is not a sweep id")
    runs = list_runs(
        repo, where=f"sweep = '{sweep}'", sort=("id",), limit=MAX_COMPARE, all_branches=True
    ).runs
    if not runs:
        raise RecordNotFound(f"no runs of sweep {sweep!r}; `git ml ls --all` lists runs")
    return [str(r["id"]) for r in runs]


def comparison(repo: GitRepo, refs: Sequence[str]) -> JsonObject:
    """Runs side by side (``git ml compare``'s data) with every run's metric curves."""

    wanted = list(dict.fromkeys(r.strip() for r in refs if r.strip()))
    if len(wanted) > MAX_COMPARE:
        raise UsageError(f"compare at most {MAX_COMPARE} runs at once (got {len(wanted)})")
    if len(wanted) == 1:
        doc = get_run(repo, wanted[0])
        docs = [doc]
        base: JsonObject = {
            "params": {},
            "same_params": doc["params"],
            "metrics": {k: {"values": [v], "deltas": [0.0]} for k, v in doc["metrics"].items()},
            "inputs": {k: [v] for k, v in doc["inputs"].items()},
            "code": [],
        }
    else:
        result = compare_runs(repo, wanted)
        docs = result.runs
        base = result.as_dict()
    base["runs"] = [to_json(d) for d in docs]
    base["histories"] = {d["id"]: history_series(read_history(repo, d)) for d in docs}
    base["sweeps"] = sorted({d["sweep"] for d in docs if "sweep" in d})

    base["plots"] = plots_of(repo, docs)
    return base


def check_refs(text: str) -> list[str]:
    refs = [r for r in (part.strip() for part in text.split(",")) if r]
    if not refs:
        raise UsageError("name runs to compare: ?runs=ID,ID (ids, id prefixes or names)")
    return refs
