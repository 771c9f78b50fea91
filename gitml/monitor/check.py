"""One monitoring check: a serving file against a reference profile (and the version's metrics)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitml.errors import InvalidRecord, RecordNotFound, UsageError
from gitml.monitor import performance
from gitml.monitor.thresholds import Limits

KIND_ORDER = {"schema": 0, "performance": 1, "prediction": 2, "drift": 3}


@dataclass
class Outcome:
    """What ``git ml monitor`` reports: findings sorted by severity."""

    rows: int
    findings: list[dict[str, Any]] = field(default_factory=list)
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
    from gitml.tabular.read import detect_format

    if not data.is_file():
        raise RecordNotFound(
            f"{data}: no such file; --data takes a CSV, TSV, Parquet or JSON-lines file"
        )
    try:
        detect_format(data, format)
    except UsageError as exc:
        raise InvalidRecord(str(exc)) from None


def run_check(
    profile: Mapping[str, Any],
    data: Path,
    limits: Limits,
    *,
    prediction: str | None = None,
    label: str | None = None,
    recorded: Mapping[str, Any] | None = None,
    format: str | None = None,
) -> Outcome:
    """Stream ``data`` once: drift statistics, and labels/predictions when asked."""
    from gitml.tabular import drift
    from gitml.tabular.read import scan
    from gitml.tabular.serving import ServingAccumulator

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

    def consume(batches: Any) -> tuple[Any, dict[str, list[Any]]]:
        acc = ServingAccumulator(profile)
        kept: dict[str, list[Any]] = {c: [] for c in wanted}
        for batch in batches:
            acc.update(batch)
            for c in wanted:
                if c in batch.schema.names:
                    kept[c].extend(batch.column(c).to_pylist())
        return acc, kept

    acc, kept = scan(data, consume, format=format, column_types=hints)
    drift_prediction = prediction if prediction in trained else None
    found = drift.compare(
        profile,
        acc,
        limits.thresholds,
        limits.p_values,
        column_thresholds=limits.columns,
        prediction=drift_prediction,
    )
    out = Outcome(rows=acc.rows)
    out.findings = [
        {
            "column": f.column,
            "kind": f.kind,
            "method": f.method,
            "value": f.value,
            "threshold": f.threshold,
            "alert": f.alert,
            "message": f.message,
        }
        for f in found
    ]
    if label is not None and prediction is not None:
        for c in (label, prediction):
            if not kept.get(c):
                raise UsageError(f"{data}: no column {c!r} (named by --label/--prediction)")
        regression = performance.is_regression(kept[label], recorded or {})
        out.metrics = performance.scores(kept[label], kept[prediction], regression)
        out.findings += performance.findings(out.metrics, recorded or {}, limits.performance_drop)
    out.findings.sort(key=severity)
    return out
