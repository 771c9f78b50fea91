"""``gitml.log_plot(kind, y_true, y_score)``: evaluation plots of a run's predictions.

``roc`` (false vs true positive rate), ``pr`` (recall vs precision), ``calibration``
(mean predicted probability vs observed frequency, in ten bins) and ``confusion`` (actual
vs predicted labels; scores of a binary task are cut at 0.5). The points are computed here
(plain Python, sorting once) and stored as a JSON plot file in DVC's layout, with the
template that draws it; the run page and ``compare`` overlay the runs' curves. The area
under a ROC curve and the average precision go to the plot's title.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from gitml.tracking.media import _attach

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject

KINDS = ("roc", "pr", "calibration", "confusion")
MAX_POINTS = 2000
BINS = 10


def _values(data: Any, what: str) -> list[Any]:
    tolist = getattr(data, "tolist", None)
    values = tolist() if callable(tolist) else list(data)
    if not values:
        raise ValueError(f"log_plot: {what} is empty")
    return [v[0] if isinstance(v, list | tuple) and len(v) == 1 else v for v in values]


def _binary(y_true: Sequence[Any], pos_label: Any) -> list[int]:
    labels = set(y_true)
    if len(labels) > 2:
        raise ValueError("log_plot: roc, pr and calibration need a binary y_true")
    return [1 if v == pos_label else 0 for v in y_true]


def _scores(y_score: Sequence[Any]) -> list[float]:
    out = []
    for v in y_score:
        if isinstance(v, list | tuple):  # predict_proba rows: the positive class's column
            v = v[-1]
        number = float(v)
        if not math.isfinite(number):
            raise ValueError(f"log_plot: score {v!r} is not a finite number")
        out.append(number)
    return out


def _thin(rows: list[JsonObject]) -> list[JsonObject]:
    if len(rows) <= MAX_POINTS:
        return rows
    step = (len(rows) - 1) / (MAX_POINTS - 1)
    return [rows[round(i * step)] for i in range(MAX_POINTS)]


def _by_threshold(truth: list[int], scores: list[float]) -> Iterator[tuple[float, int, int]]:
    """(threshold, true positives, false positives) at each distinct score, highest first."""
    pairs = sorted(zip(scores, truth, strict=True), reverse=True)
    tp = fp = 0
    for i, (score, label) in enumerate(pairs):
        tp += label
        fp += 1 - label
        if i + 1 < len(pairs) and pairs[i + 1][0] == score:
            continue
        yield score, tp, fp


def roc_points(truth: list[int], scores: list[float]) -> tuple[list[JsonObject], float]:
    """ROC curve points (one per distinct threshold) and the area under it."""
    pos = sum(truth)
    neg = len(truth) - pos
    if not pos or not neg:
        raise ValueError("log_plot: roc needs both classes in y_true")
    rows: list[JsonObject] = [{"fpr": 0.0, "tpr": 0.0, "threshold": "inf"}]
    area = 0.0
    for score, tp, fp in _by_threshold(truth, scores):
        fpr, tpr = fp / neg, tp / pos
        area += (fpr - rows[-1]["fpr"]) * (tpr + rows[-1]["tpr"]) / 2
        rows.append({"fpr": fpr, "tpr": tpr, "threshold": score})
    return rows, area


def pr_points(truth: list[int], scores: list[float]) -> tuple[list[JsonObject], float]:
    """Precision-recall points (one per distinct threshold) and the average precision."""
    pos = sum(truth)
    if not pos:
        raise ValueError("log_plot: pr needs positives in y_true")
    rows: list[JsonObject] = []
    ap = last_recall = 0.0
    for score, tp, fp in _by_threshold(truth, scores):
        precision, recall = tp / (tp + fp), tp / pos
        ap += (recall - last_recall) * precision
        last_recall = recall
        rows.append({"recall": recall, "precision": precision, "threshold": score})
    return rows, ap


def calibration_points(truth: list[int], scores: list[float]) -> list[JsonObject]:
    """Mean predicted probability and observed frequency of positives per score bin."""
    bins: list[list[tuple[float, int]]] = [[] for _ in range(BINS)]
    for score, label in zip(scores, truth, strict=True):
        if not 0.0 <= score <= 1.0:
            raise ValueError(f"log_plot: calibration needs probabilities in 0..1, got {score}")
        bins[min(BINS - 1, int(score * BINS))].append((score, label))
    return [
        {
            "predicted": sum(s for s, _ in b) / len(b),
            "observed": sum(t for _, t in b) / len(b),
            "count": len(b),
        }
        for b in bins
        if b
    ]


def confusion_rows(y_true: Sequence[Any], y_pred: Sequence[Any]) -> list[JsonObject]:
    """One row per (actual, predicted) pair with its count."""
    counts: dict[tuple[str, str], int] = {}
    for actual, predicted in zip(y_true, y_pred, strict=True):
        key = (str(actual), str(predicted))
        counts[key] = counts.get(key, 0) + 1
    return [{"actual": a, "predicted": p, "count": n} for (a, p), n in sorted(counts.items())]


def log_plot(
    kind: str,
    y_true: Any,
    y_score: Any,
    *,
    name: str | None = None,
    pos_label: Any = 1,
    title: str | None = None,
) -> None:
    """Store a ``roc``, ``pr``, ``calibration`` or ``confusion`` plot of predictions.

    ``y_score``: scores or probabilities of the positive class (a ``predict_proba`` array
    works: its last column is used); for ``confusion``, predicted labels (or the scores of
    a binary task, cut at 0.5). Stored as ``plots/<kind>.json`` unless ``name`` is given.
    """
    if kind not in KINDS:
        raise ValueError(f"log_plot: kind {kind!r} is not one of {', '.join(KINDS)}")
    truth_values = _values(y_true, "y_true")
    score_values = _values(y_score, "y_score")
    if len(truth_values) != len(score_values):
        raise ValueError(
            f"log_plot: y_true has {len(truth_values)} values and y_score {len(score_values)}"
        )
    spec: JsonObject
    if kind == "confusion":
        predicted = score_values
        if all(isinstance(v, float) for v in predicted) and len(set(truth_values)) <= 2:
            predicted = [
                pos_label if v >= 0.5 else _other(truth_values, pos_label) for v in predicted
            ]
        rows = confusion_rows(truth_values, predicted)
        spec = {"template": "confusion", "x": "actual", "y": "predicted"}
        label = title or "Confusion matrix"
    else:
        truth = _binary(truth_values, pos_label)
        scores = _scores(score_values)
        if kind == "roc":
            rows, auc = roc_points(truth, scores)
            spec = {"template": "linear", "x": "fpr", "y": "tpr",
                    "x_label": "false positive rate", "y_label": "true positive rate"}  # fmt: skip
            label = title or f"ROC (AUC {auc:.3f})"
        elif kind == "pr":
            rows, ap = pr_points(truth, scores)
            spec = {"template": "linear", "x": "recall", "y": "precision"}
            label = title or f"Precision-recall (AP {ap:.3f})"
        else:
            rows = calibration_points(truth, scores)
            spec = {"template": "linear", "x": "predicted", "y": "observed",
                    "x_label": "mean predicted probability", "y_label": "fraction of positives"}  # fmt: skip
            label = title or "Calibration"
        rows = _thin(rows)
    text = json.dumps({kind: rows})
    _attach(
        name or f"plots/{kind}.json",
        lambda p: p.write_text(text, encoding="utf-8"),
        {"kind": "plot", "format": "json", "plot": spec, "title": label},
    )


def _other(values: Sequence[Any], pos_label: Any) -> Any:
    others = [v for v in dict.fromkeys(values) if v != pos_label]
    return others[0] if others else 0
