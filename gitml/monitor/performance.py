"""Performance on labelled serving data, against the metrics recorded at training.

Classification gives ``accuracy`` (and ``precision``/``recall``/``f1`` of the positive
class for two classes); regression gives ``rmse``, ``mae`` and ``r2``. A metric is
compared only when the version recorded one of the same name (``acc`` counts as
``accuracy``); the finding's value is the relative drop, an alert above
``performance_drop`` (default 0.05: five per cent worse than at training).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gitml.records.shapes import FindingTable

LOWER_IS_BETTER = frozenset({"rmse", "mae", "mse", "log_loss", "logloss", "error"})
ALIASES = {"acc": "accuracy", "val_acc": "accuracy", "val_accuracy": "accuracy"}
REGRESSION_HINTS = frozenset({"rmse", "mae", "mse", "r2"})


def _fractional(values: Sequence[Any]) -> bool:
    return any(
        isinstance(v, float) and math.isfinite(v) and not v.is_integer() for v in values[:1000]
    )


def is_regression(
    labels: Sequence[Any], recorded: Mapping[str, Any], predicted: Sequence[Any] = ()
) -> bool:
    """The task, as the version's recorded metrics say (RMSE/MAE/R² or accuracy/F1), else
    from the data: fractional labels, or fractional predictions of numeric labels with
    more than two values (integer wine-quality scores predicted by a regressor)."""
    names = {ALIASES.get(k, k) for k in recorded}
    if names & REGRESSION_HINTS:
        return True
    if "accuracy" in names or "f1" in names:
        return False
    if _fractional(labels):
        return True
    numeric = [v for v in labels[:1000] if isinstance(v, int | float) and not isinstance(v, bool)]
    return len(set(numeric)) > 2 and len(numeric) == len(labels[:1000]) and _fractional(predicted)


class Scorer:
    """``scores`` over a stream of batches in fixed memory (a confusion count or sums)."""

    def __init__(self, recorded: Mapping[str, Any]) -> None:
        self.recorded = recorded
        self.regression: bool | None = None
        self.pairs: dict[tuple[str, str], int] = {}
        self.n = 0
        self.sse = self.sae = self.sy = self.syy = 0.0

    def update(self, labels: Sequence[Any], predicted: Sequence[Any]) -> None:
        if self.regression is None:
            if all(y is None for y in labels):
                return
            self.regression = is_regression(labels, self.recorded, predicted)
        for y, p in zip(labels, predicted, strict=True):
            if y is None or p is None:
                continue
            if self.regression:
                fy, fp = float(y), float(p)
                self.n += 1
                self.sse += (fp - fy) ** 2
                self.sae += abs(fp - fy)
                self.sy += fy
                self.syy += fy * fy
            else:
                key = (label_key(y), label_key(p))
                self.pairs[key] = self.pairs.get(key, 0) + 1

    def result(self) -> dict[str, float]:
        if self.regression:
            if not self.n:
                return {}
            out = {"rmse": math.sqrt(self.sse / self.n), "mae": self.sae / self.n}
            sst = self.syy - self.sy * self.sy / self.n
            if sst > 0:
                out["r2"] = 1 - self.sse / sst
            return out
        total = sum(self.pairs.values())
        if not total:
            return {}
        out = {"accuracy": sum(c for (y, p), c in self.pairs.items() if y == p) / total}
        classes = {y for y, _ in self.pairs} | {p for _, p in self.pairs}
        if len(classes) == 2:
            pos = max(classes)
            tp = self.pairs.get((pos, pos), 0)
            fp = sum(c for (y, p), c in self.pairs.items() if y != pos and p == pos)
            fn = sum(c for (y, p), c in self.pairs.items() if y == pos and p != pos)
            precision = tp / (tp + fp) if tp + fp else 0.0
            recall = tp / (tp + fn) if tp + fn else 0.0
            out["precision"], out["recall"] = precision, recall
            out["f1"] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return out


def scores(labels: Sequence[Any], predicted: Sequence[Any], regression: bool) -> dict[str, float]:
    """Metrics over rows where both label and prediction are present."""
    scorer = Scorer({})
    scorer.regression = regression
    scorer.update(labels, predicted)
    return scorer.result()


def label_key(value: Any) -> str:
    """A label as the text it is compared and counted by: integral floats as integers,
    booleans as ``true``/``false``."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).lower() if isinstance(value, bool) else str(value)


def same_label(a: Any, b: Any) -> bool:
    return label_key(a) == label_key(b)


def relative_drop(metric: str, serving: float, training: float) -> float:
    """How much worse ``serving`` is than ``training``, relative (0 when not worse)."""
    worse = serving - training if metric in LOWER_IS_BETTER else training - serving
    if worse <= 0:
        return 0.0
    return worse / abs(training) if training else math.inf


def findings(
    measured: Mapping[str, float], recorded: Mapping[str, Any], threshold: float
) -> list[FindingTable]:
    """One performance finding per metric recorded at training and measured on serving data."""
    out: list[FindingTable] = []
    for key, trained in sorted(recorded.items()):
        metric = ALIASES.get(key, key)
        if (
            metric not in measured
            or not isinstance(trained, int | float)
            or isinstance(trained, bool)
        ):
            continue
        now = measured[metric]
        drop = relative_drop(metric, now, float(trained))
        drop = min(drop, 1e300)
        alert = drop > threshold
        out.append(
            {
                "column": key,
                "kind": "performance",
                "method": metric,
                "value": round(drop, 6),
                "threshold": threshold,
                "alert": alert,
                "message": f"{metric} {now:.4g} on serving data vs {float(trained):.4g} at "
                f"training: {drop:.1%} worse ({'above' if alert else 'within'} {threshold:.0%})",
            }
        )
    return out
