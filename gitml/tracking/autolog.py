"""``gitml.autolog()``: scikit-learn training recorded with no logging calls.

scikit-learn has no callback API, so (as MLflow's autolog does) the ``fit`` method of
every estimator class ``sklearn.utils.all_estimators()`` lists is wrapped; ``autolog(
disable=True)`` puts the originals back. The outermost ``fit`` of a call logs the
estimator's params (``get_params(deep=True)``), training metrics under MLflow's names
(``training_accuracy_score``, ``training_f1_score``, ``training_roc_auc``,
``training_root_mean_squared_error``, ``training_r2_score``, ... and ``training_score``)
and the fitted model (``gitml.log_model``). Inside a run (``git ml run``, or ``with
gitml.start_run()``) it logs there; outside any run each ``fit`` is a run of its own.
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Callable
from typing import Any

import gitml.tracking as api
from gitml.runs.spool import param_value
from gitml.tracking.models import log_model

_originals: dict[type, Callable[..., Any]] = {}
_depth = threading.local()
_settings = {"log_models": True}


def autolog(*, disable: bool = False, log_models: bool = True) -> None:
    """Record every scikit-learn ``fit`` (see the module doc); ``disable`` undoes it."""
    from sklearn.utils import all_estimators

    if disable:
        for klass, fit in _originals.items():
            klass.fit = fit  # type: ignore[attr-defined]
        _originals.clear()
        return
    _settings["log_models"] = log_models
    for _name, klass in all_estimators():
        fit = klass.__dict__.get("fit")
        if fit is None or klass in _originals:
            continue
        _originals[klass] = fit
        klass.fit = _wrapped(fit)


def _wrapped(fit: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fit)
    def logged_fit(self: Any, *args: Any, **kwargs: Any) -> Any:
        depth = getattr(_depth, "value", 0)
        _depth.value = depth + 1
        try:
            if depth:
                return fit(self, *args, **kwargs)
            return _outer_fit(fit, self, args, kwargs)
        finally:
            _depth.value = depth

    return logged_fit


def _outer_fit(fit: Callable[..., Any], model: Any, args: tuple[Any, ...], kwargs: Any) -> Any:
    own = None
    if api.active_run() is None:
        own = api.start_run(tags={"estimator_name": type(model).__name__})
    try:
        result = fit(model, *args, **kwargs)
        _log_fit(model, args, kwargs)
    except BaseException:
        if own is not None:
            own.end("failed")
        raise
    if own is not None:
        own.end()
    return result


def _log_fit(model: Any, args: tuple[Any, ...], kwargs: Any) -> None:
    params = {k: param_value(v) for k, v in model.get_params(deep=True).items()}
    api.log_params(params)
    api.set_tags({"estimator_name": type(model).__name__, "estimator_class": _class_name(model)})
    x = args[0] if args else kwargs.get("X")
    y = args[1] if len(args) > 1 else kwargs.get("y")
    if x is not None and y is not None:
        api.log_metrics(training_metrics(model, x, y))
    if _settings["log_models"]:
        log_model(model, "model", flavor="sklearn")


def _class_name(model: Any) -> str:
    return f"{type(model).__module__}.{type(model).__qualname__}"


def training_metrics(model: Any, x: Any, y: Any) -> dict[str, float]:
    """MLflow's training metrics of a fitted classifier or regressor (what can be computed)."""
    from sklearn import metrics
    from sklearn.base import is_classifier, is_regressor

    out: dict[str, float] = {}
    try:
        out["training_score"] = float(model.score(x, y))
    except (AttributeError, TypeError, ValueError):
        pass
    try:
        predicted = model.predict(x)
    except (AttributeError, TypeError, ValueError):
        return out
    if is_classifier(model):
        labels = set(getattr(y, "tolist", lambda: list(y))())
        average = "binary" if len(labels) == 2 else "weighted"
        out["training_accuracy_score"] = float(metrics.accuracy_score(y, predicted))
        out["training_precision_score"] = float(
            metrics.precision_score(y, predicted, average=average, zero_division=0)
        )
        out["training_recall_score"] = float(
            metrics.recall_score(y, predicted, average=average, zero_division=0)
        )
        out["training_f1_score"] = float(
            metrics.f1_score(y, predicted, average=average, zero_division=0)
        )
        proba = getattr(model, "predict_proba", None)
        if callable(proba):
            try:
                scores = proba(x)
                out["training_log_loss"] = float(metrics.log_loss(y, scores))
                if len(labels) == 2:
                    out["training_roc_auc"] = float(metrics.roc_auc_score(y, scores[:, 1]))
                else:
                    out["training_roc_auc"] = float(
                        metrics.roc_auc_score(y, scores, multi_class="ovr")
                    )
            except (AttributeError, TypeError, ValueError):
                pass
    elif is_regressor(model):
        mse = float(metrics.mean_squared_error(y, predicted))
        out["training_mean_squared_error"] = mse
        out["training_root_mean_squared_error"] = math.sqrt(mse)
        out["training_mean_absolute_error"] = float(metrics.mean_absolute_error(y, predicted))
        out["training_r2_score"] = float(metrics.r2_score(y, predicted))
    return {k: v for k, v in out.items() if math.isfinite(v)}
