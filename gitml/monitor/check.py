"""One monitoring check: a serving file against a reference profile (and the version's metrics)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitml.errors import InvalidRecord, RecordNotFound, UsageError
from gitml.monitor import performance
from gitml.monitor.thresholds import Limits
from gitml.tabular import drift
from gitml.tabular.drift import PER_BIN_MIN
from gitml.tabular.read import detect_format, scan
from gitml.tabular.serving import ServingAccumulator

if TYPE_CHECKING:
    from gitml.records.shapes import ColumnProfileTable, FindingTable, ProfileRecord

KIND_ORDER = {"schema": 0, "performance": 1, "prediction": 2, "drift": 3}


@dataclass
class Outcome:
    """What ``git ml monitor`` or ``git ml scan`` reports: findings sorted by severity."""

    rows: int
    findings: list[FindingTable] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)

    @property
    def alert(self) -> bool:
        return any(f["alert"] for f in self.findings)


def severity(finding: Mapping[str, Any]) -> tuple[int, float, int, str, str]:
    """Sort key: alerts first, then by how far past (or close to) the threshold."""
    value, threshold = float(finding["value"]), float(finding["threshold"])
    if finding["method"] in ("ks", "chi_squared"):
        ratio = threshold / value if value > 0 else 1e300
    else:
        ratio = value / threshold if threshold > 0 else (1e300 if value > 0 else 0.0)
    return (
        0 if finding["alert"] else 1,
        -ratio,
        KIND_ORDER.get(str(finding["kind"]), 9),
        str(finding["column"]),
        str(finding["method"]),
    )


def check_data_file(data: Path, format: str | None = None) -> None:
    """A readable file of a known tabular format, else an error (exit 1, not 2: not an alert)."""

    if not data.is_file():
        raise RecordNotFound(
            f"{data}: no such file; --data takes a CSV, TSV, Parquet or JSON-lines file"
        )
    try:
        detect_format(data, format)
    except UsageError as exc:
        raise InvalidRecord(str(exc)) from None


def _judged(
    finding: FindingTable,
    trained: ColumnProfileTable | None,
    lim: Mapping[str, float],
    serving_count: int,
) -> FindingTable:
    """Raise the bar for columns profiled from few training values.

    The training histogram carries sampling noise too: with 400 training rows on 20 bins
    the Jensen-Shannon distance to a same-distribution batch of 2000 is about 0.11, over
    the default 0.1. Below the serving bar (max(min_count, 50 per bin or category)
    training values), a distance alerts only above threshold + 2 x the value sampling
    noise alone gives on average: (k - 1)(1/n + 1/m) for PSI, its square root over
    sqrt(8 ln 2) for Jensen-Shannon, sqrt(1/n + 1/m) for L-infinity and Wasserstein.
    """

    if trained is None or finding["kind"] not in ("drift", "prediction"):
        return finding
    method = finding["method"]
    if method not in ("psi", "jensen_shannon", "linf", "wasserstein"):
        return finding
    histogram = trained.get("histogram")
    cells = (len(histogram["counts"]) if histogram else 0) or len(trained.get("top", {})) + 1
    n = trained["count"]
    if n >= max(int(lim["min_count"]), PER_BIN_MIN * cells) or n == 0 or serving_count == 0:
        return finding
    spread = 1 / n + 1 / serving_count
    noise = {
        "psi": (cells - 1) * spread,
        "jensen_shannon": math.sqrt((cells - 1) * spread / (8 * math.log(2))),
    }.get(method, math.sqrt(spread))
    bar = finding["threshold"] + 2 * noise
    alert = bool(finding["alert"]) and finding["value"] > bar
    note = f"; {n} training values: alerts above {bar:.3g} (noise allowance)"
    judged = finding.copy()
    judged["alert"] = alert
    judged["message"] = finding["message"] + note
    return judged


def _table(found: drift.DriftFinding) -> FindingTable:
    """A drift finding as the report records it (``judged`` only when it is false)."""
    table: FindingTable = {
        "column": found.column,
        "kind": found.kind,
        "method": found.method,
        "value": found.value,
        "threshold": found.threshold,
        "alert": found.alert,
        "message": found.message,
    }
    if not found.judged:
        table["judged"] = False
    return table


def _serving_count(acc: Any, column: str) -> int:
    state = acc.columns.get(column)
    return int(state.count) if state is not None else 0


def run_check(
    profile: ProfileRecord,
    data: Path,
    limits: Limits,
    *,
    prediction: str | None = None,
    label: str | None = None,
    recorded: Mapping[str, Any] | None = None,
    format: str | None = None,
    signature: Mapping[str, Any] | None = None,
) -> Outcome:
    """Stream ``data`` once: drift statistics, and labels/predictions when asked; with the
    model's ``signature``, also the columns it needs that are missing or mistyped."""

    if label is not None and prediction is None:
        raise UsageError("--label needs --prediction: performance compares the two columns")
    check_data_file(data, format)
    trained = profile["columns"]
    hints = {
        name: col["dtype"]
        for name, col in trained.items()
        if col["dtype"] in ("int64", "double", "string", "bool")
    }
    wanted = [c for c in (label, prediction) if c is not None]

    def consume(batches: Any) -> tuple[Any, performance.Scorer, set[str]]:
        acc = ServingAccumulator(profile)
        scorer = performance.Scorer(recorded or {})
        seen: set[str] = set()
        for batch in batches:
            acc.update(batch)
            names = batch.schema.names
            seen.update(c for c in wanted if c in names)
            if label is not None and prediction is not None and not set(wanted) - set(names):
                scorer.update(batch.column(label).to_pylist(), batch.column(prediction).to_pylist())
        return acc, scorer, seen

    acc, scorer, seen = scan(data, consume, format=format, column_types=hints)
    for column, option in ((prediction, "--prediction"), (label, "--label")):
        if column is not None and column not in seen:
            raise InvalidRecord(f"{data}: no column {column!r} (named by {option})")
    drift_prediction = prediction if prediction in trained else None
    found = drift.compare(
        profile,
        acc,
        limits.thresholds,
        limits.p_values,
        column_thresholds=limits.columns,
        prediction=drift_prediction,
        declared=[c for c in (prediction, label) if c is not None],
        label=label,
    )
    out = Outcome(rows=acc.rows)
    out.findings = [
        _judged(
            _table(f),
            trained.get(f.column),
            {**drift.DEFAULT_THRESHOLDS, **limits.thresholds, **limits.columns.get(f.column, {})},
            _serving_count(acc, f.column),
        )
        for f in found
    ]
    if label is not None and prediction is not None:
        out.metrics = scorer.result()
        out.findings += performance.findings(out.metrics, recorded or {}, limits.performance_drop)
    if signature:
        from gitml.monitor.signature import signature_findings

        out.findings += signature_findings(signature, data, format=format)
    out.findings.sort(key=severity)
    return out
