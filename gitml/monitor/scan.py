"""Pre-promotion scan of a model callable: ``git ml scan MODEL:VERSION --predict MODULE:FUNC``.

The callable takes a list of row dicts (the data without the label column) and returns one
prediction per row: a class, a number, or, for two classes, the positive-class probability.
Checks, each a finding (kind in parentheses):

- determinism: the same rows predicted twice give the same outputs (``determinism``);
- batch vs single row: the first ``SINGLE_ROWS`` rows predicted one at a time match the
  batch outputs; a mismatch hints at leakage between rows or batch statistics (``consistency``);
- slices (with ``--label``): every category (and every numeric quartile) with at least
  ``MIN_SLICE`` rows whose accuracy (RMSE for a regression, decided as ``git ml monitor``
  decides it) is more than ``SLICE_DROP`` worse than overall, relative (``slice``);
- overconfidence (with probabilities and a label): on rows predicted with confidence at
  least ``CONFIDENT``, the mean confidence exceeds the accuracy by more than
  ``CONFIDENCE_GAP`` (``calibration``).
"""

from __future__ import annotations

import importlib
import importlib.util
import itertools
import math
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitml.errors import GitmlError, UsageError
from gitml.monitor import performance
from gitml.monitor.check import Outcome, check_data_file, severity
from gitml.tabular.read import scan

if TYPE_CHECKING:
    from gitml.records.shapes import FindingKind, FindingTable, JsonObject

Predict = Callable[["list[JsonObject]"], Sequence[Any]]
MIN_SLICE = 20
SLICE_DROP = 0.05
SINGLE_ROWS = 100
CONFIDENT = 0.8
CONFIDENCE_GAP = 0.1
MAX_CATEGORIES = 50
TOLERANCE = 1e-9


def load_callable(spec: str, workdir: Path) -> Predict:
    """``package.module:func`` (importable from the work tree) or ``path/file.py:func``."""
    module_name, sep, func_name = spec.rpartition(":")
    if not sep or not module_name or not func_name:
        raise UsageError(f"--predict {spec!r}: use MODULE:FUNC, e.g. model.predict:predict")
    try:
        if module_name.endswith(".py"):
            path = (workdir / module_name).resolve()
            loader = importlib.util.spec_from_file_location(path.stem, path)
            if loader is None or loader.loader is None or not path.is_file():
                raise UsageError(f"--predict: {path} is not a Python file")
            module = importlib.util.module_from_spec(loader)
            loader.loader.exec_module(module)
        else:
            if str(workdir) not in sys.path:
                sys.path.insert(0, str(workdir))
            module = importlib.import_module(module_name)
    except (ImportError, SyntaxError) as exc:
        raise UsageError(f"--predict {spec!r}: cannot import {module_name}: {exc}") from None
    func = getattr(module, func_name, None)
    if not callable(func):
        raise UsageError(f"--predict {spec!r}: {module_name} has no function {func_name!r}")
    return func  # type: ignore[no-any-return]


def _call(func: Predict, rows: list[JsonObject]) -> list[Any]:
    try:
        out = list(func(rows))
    except Exception as exc:  # noqa: BLE001 - the model's own failure, reported as such
        raise GitmlError(f"the predict function failed on {len(rows)} row(s): {exc!r}") from None
    if len(out) != len(rows):
        raise GitmlError(f"the predict function returned {len(out)} outputs for {len(rows)} rows")
    return out


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        try:
            return math.isclose(float(a), float(b), rel_tol=1e-6, abs_tol=TOLERANCE)
        except (TypeError, ValueError):
            return False
    return bool(a == b)


def _finding(
    column: str, kind: FindingKind, method: str, value: float, threshold: float, message: str
) -> FindingTable:
    value = round(value, 6)
    return {
        "column": column,
        "kind": kind,
        "method": method,
        "value": value,
        "threshold": threshold,
        "alert": value > threshold,
        "message": message,
    }


def _read(data: Path) -> list[JsonObject]:
    check_data_file(data)
    rows: list[JsonObject] = scan(data, lambda batches: [r for b in batches for r in b.to_pylist()])
    return rows


def _is_probability(predicted: Sequence[Any], labels: Sequence[Any]) -> bool:
    classes = {performance.label_key(y) for y in labels if y is not None}
    return (
        len(classes) <= 2
        and all(isinstance(p, float) and 0.0 <= p <= 1.0 for p in predicted)
        and any(not float(p).is_integer() for p in predicted)
    )


def run_scan(
    func: Predict,
    data: Path,
    *,
    label: str | None = None,
    recorded: Mapping[str, Any] | None = None,
) -> Outcome:
    """Every scan finding for ``func`` on ``data``, sorted by severity.

    ``recorded`` (the version's training metrics) decides the task as ``git ml monitor``
    does: slices are judged by RMSE for regression, accuracy for classification.
    """
    table = _read(data)
    if label is not None and table and label not in table[0]:
        raise UsageError(f"{data}: no column {label!r} (named by --label)")
    rows = [{k: v for k, v in r.items() if k != label} for r in table]
    out = Outcome(rows=len(rows))
    if not rows:
        raise UsageError(f"{data}: no rows to scan")
    first = _call(func, rows)
    second = _call(func, rows)
    differ = sum(1 for a, b in zip(first, second, strict=True) if not _equal(a, b))
    out.findings.append(
        _finding(
            "(model)",
            "determinism",
            "repeat",
            differ / len(rows),
            0.0,
            f"{differ} of {len(rows)} predictions changed when predicting the same rows again",
        )
    )
    few = rows[:SINGLE_ROWS]
    single = [_call(func, [r])[0] for r in few]
    mismatch = sum(1 for a, b in zip(single, first, strict=False) if not _equal(a, b))
    out.findings.append(
        _finding(
            "(model)",
            "consistency",
            "single_row",
            mismatch / len(few),
            0.0,
            f"{mismatch} of {len(few)} rows predicted alone differ from the batch prediction "
            "(batch statistics or leakage between rows)",
        )
    )
    if label is not None:
        labels = [r.get(label) for r in table]
        out.findings += _quality(rows, labels, first, out, recorded or {})
    out.findings.sort(key=severity)
    return out


def _quality(
    rows: list[JsonObject],
    labels: list[Any],
    predicted: list[Any],
    out: Outcome,
    recorded: Mapping[str, Any],
) -> list[FindingTable]:
    found: list[FindingTable] = []
    regression = performance.is_regression(labels, recorded, predicted)
    proba = not regression and _is_probability(predicted, labels)
    if proba:
        classes = sorted({performance.label_key(y) for y in labels if y is not None})
        positive, negative = (classes[-1], classes[0]) if classes else ("1", "0")
        hard: list[Any] = [positive if p >= 0.5 else negative for p in predicted]
        found += _confidence(labels, predicted, hard)
    else:
        hard = predicted
    metric = "rmse" if regression else "accuracy"
    overall = performance.scores(labels, hard, regression)
    out.metrics = overall
    if metric not in overall:
        return found
    for column, name, members in _slices(rows):
        ys = [labels[i] for i in members]
        ps = [hard[i] for i in members]
        value = performance.scores(ys, ps, regression).get(metric)
        if value is None:
            continue
        drop = performance.relative_drop(metric, value, overall[metric])
        found.append(
            _finding(
                column,
                "slice",
                metric,
                min(drop, 1e300),
                SLICE_DROP,
                f"{metric} {value:.4g} on {name} ({len(members)} rows) vs {overall[metric]:.4g} "
                f"overall: {drop:.1%} worse",
            )
        )
    return found


def _slices(rows: list[JsonObject]) -> list[tuple[str, str, list[int]]]:
    """(column, description, row indices) of every slice with at least MIN_SLICE rows."""
    out: list[tuple[str, str, list[int]]] = []
    for column in rows[0]:
        values = [r.get(column) for r in rows]
        numeric = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
        if len(set(numeric)) > MAX_CATEGORIES:
            ordered = sorted(numeric)
            cuts = [ordered[len(ordered) * q // 4] for q in (1, 2, 3)]
            bounds = [-math.inf, *cuts, math.inf]
            for lo, hi in itertools.pairwise(bounds):
                members = [
                    i for i, v in enumerate(values) if isinstance(v, int | float) and lo <= v < hi
                ]
                if len(members) >= MIN_SLICE:
                    out.append((column, f"{column} in [{lo:.4g}, {hi:.4g})", members))
            continue
        groups: dict[str, list[int]] = {}
        for i, v in enumerate(values):
            groups.setdefault(str(v), []).append(i)
        if len(groups) > MAX_CATEGORIES:
            continue
        for key, members in sorted(groups.items()):
            if len(members) >= MIN_SLICE and len(groups) > 1:
                out.append((column, f"{column} = {key}", members))
    return out


def _confidence(labels: list[Any], proba: list[Any], hard: list[Any]) -> list[FindingTable]:
    sure = [i for i, p in enumerate(proba) if max(p, 1 - p) >= CONFIDENT and labels[i] is not None]
    if len(sure) < MIN_SLICE:
        return []
    confidence = sum(max(proba[i], 1 - proba[i]) for i in sure) / len(sure)
    right = sum(1 for i in sure if performance.same_label(hard[i], labels[i]))
    accuracy = right / len(sure)
    gap = max(0.0, confidence - accuracy)
    return [
        _finding(
            "(model)",
            "calibration",
            "overconfidence",
            gap,
            CONFIDENCE_GAP,
            f"{len(sure)} rows predicted with confidence >= {CONFIDENT:g}: mean confidence "
            f"{confidence:.3f}, accuracy {accuracy:.3f}",
        )
    ]
