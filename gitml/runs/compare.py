"""``git ml compare``: params that differ, metric deltas, input digests, code diffstat."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gitml.errors import UsageError
from gitml.runs.store import get_run
from gitml.storage.repo import GitRepo
from gitml.storage.worktree import diffstat

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject, Params, RunRecord


@dataclass(frozen=True)
class CodeDelta:
    base: str
    other: str
    files: int
    insertions: int
    deletions: int
    paths: tuple[str, ...] = ()


@dataclass(frozen=True)
class Comparison:
    runs: list[RunRecord]
    params: dict[str, list[Any]] = field(default_factory=dict)
    same_params: Params = field(default_factory=dict)
    metrics: dict[str, list[Any]] = field(default_factory=dict)
    deltas: dict[str, list[float | None]] = field(default_factory=dict)
    inputs: dict[str, list[Any]] = field(default_factory=dict)
    code: list[CodeDelta] = field(default_factory=list)

    def as_dict(self) -> JsonObject:
        return {
            "runs": [{"id": r["id"], "name": r["name"], "status": r["status"]} for r in self.runs],
            "params": self.params,
            "same_params": self.same_params,
            "metrics": {
                k: {"values": v, "deltas": self.deltas.get(k, [])} for k, v in self.metrics.items()
            },
            "inputs": self.inputs,
            "code": [
                {
                    "base": c.base,
                    "other": c.other,
                    "files": c.files,
                    "insertions": c.insertions,
                    "deletions": c.deletions,
                    "paths": list(c.paths),
                }
                for c in self.code
            ],
        }


def _table(tables: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """key -> its value in each of ``tables`` (None where a table lacks it)."""
    names = sorted({k for table in tables for k in table})
    return {n: [table.get(n) for table in tables] for n in names}


def _delta(base: Any, value: Any) -> float | None:
    numeric = (int, float)
    if isinstance(base, bool) or isinstance(value, bool):
        return None
    if isinstance(base, numeric) and isinstance(value, numeric):
        return float(value) - float(base)
    return None


def compare_runs(repo: GitRepo, refs: Sequence[str]) -> Comparison:
    """Compare runs side by side; deltas are relative to the first run."""
    if len(refs) < 2:
        raise UsageError("compare needs at least two runs, e.g. git ml compare RUN1 RUN2")
    runs = [get_run(repo, ref) for ref in refs]
    params = _table([r["params"] for r in runs])
    differing = {k: v for k, v in params.items() if any(x != v[0] for x in v)}
    same = {k: v[0] for k, v in params.items() if k not in differing}
    metrics = _table([r["metrics"] for r in runs])
    deltas = {k: [_delta(v[0], x) for x in v] for k, v in metrics.items()}
    code = []
    base = runs[0]["code"]["checkpoint"]
    for run in runs[1:]:
        other = run["code"]["checkpoint"]
        stat = diffstat(repo, base, other)
        code.append(
            CodeDelta(
                base=runs[0]["id"],
                other=run["id"],
                files=stat.files,
                insertions=stat.insertions,
                deletions=stat.deletions,
                paths=stat.paths,
            )
        )
    return Comparison(
        runs=runs,
        params=differing,
        same_params=same,
        metrics=metrics,
        deltas=deltas,
        inputs=_table([r["inputs"] for r in runs]),
        code=code,
    )
