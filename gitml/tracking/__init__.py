"""The Python logging API: ``gitml.log_metric``, ``gitml.start_run`` and friends.

Under ``git ml run`` every call appends one line to the run's spool (about a microsecond).
Inside ``with gitml.start_run(...)`` calls go to that in-process run, which is recorded
on exit exactly as ``git ml run`` would record it (code checkpoint included). Anywhere
else the calls do nothing and warn once, so a script runs unchanged without gitml.

This module is imported by user scripts: it must not import pygit2, typer or numpy.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from gitml import API_NAMES
from gitml.runs.spool import ENV_RUN_ID, ENV_RUN_NAME, ENV_SPOOL, SpoolWriter
from gitml.runs.tags import MODEL_TAG

if TYPE_CHECKING:
    from gitml.tracking.local import LocalRun

__all__ = sorted(API_NAMES)  # the one list, which ``gitml.__getattr__`` serves


class GitmlWarning(UserWarning):
    """Logging calls made outside any run (they are not recorded)."""


class Sink(Protocol):
    def metric(self, name: str, value: Any, step: int | None = None) -> None: ...
    def params(self, params: Mapping[str, Any]) -> None: ...
    def tag(self, key: str, value: Any) -> None: ...
    def artifact(self, path: str) -> None: ...


class _NullSink:
    warned = False

    def _warn(self) -> None:
        if not self.warned:
            self.warned = True
            warnings.warn(
                "gitml: no active run (not under `git ml run` nor inside "
                "`with gitml.start_run()`); logged values are not recorded",
                GitmlWarning,
                stacklevel=4,
            )

    def metric(self, name: str, value: Any, step: int | None = None) -> None:
        self._warn()

    def params(self, params: Mapping[str, Any]) -> None:
        self._warn()

    def tag(self, key: str, value: Any) -> None:
        self._warn()

    def artifact(self, path: str) -> None:
        self._warn()


_stack: list[LocalRun] = []
_default: Sink | None = None


def _sink() -> Sink:
    global _default
    if _stack:
        return _stack[-1]
    if _default is None:
        path = os.environ.get(ENV_SPOOL)
        _default = SpoolWriter(path) if path else _NullSink()
    return _default


def log_metric(name: str, value: float, step: int | None = None) -> None:
    """Record one value of a metric (``step`` defaults to the metric's next step)."""
    (_stack[-1] if _stack else _default or _sink()).metric(name, value, step)


def log_metrics(metrics: Mapping[str, float], step: int | None = None) -> None:
    sink = _sink()
    for name, value in metrics.items():
        sink.metric(name, value, step)


def log_param(key: str, value: Any) -> None:
    _sink().params({key: value})


def log_params(params: Mapping[str, Any]) -> None:
    """Record params (nested tables become dotted keys)."""
    _sink().params(params)


def set_tag(key: str, value: Any) -> None:
    _sink().tag(key, value)


def log_artifact(path: str | os.PathLike[str]) -> None:
    """Record a file or folder the run produced (its content digest goes to ``outputs``).

    Raises ``FileNotFoundError`` at once when ``path`` does not exist, as MLflow does.
    """
    _sink().artifact(os.fspath(path))


def log_model(
    path: str | os.PathLike[str],
    *,
    flavor: str | None = None,
    signature: Mapping[str, Any] | None = None,
    input_example: Any = None,
    requirements: list[str] | None = None,
) -> None:
    """Record a model file the run produced, with its signature, flavor and requirements.

    The file is recorded like ``log_artifact``; the rest goes to the run's ``gitml.model``
    tag, which ``git ml model register`` reads. ``signature`` (MLflow layout, ``inputs``
    and ``outputs`` lists of ``{name, type}``) is inferred from ``input_example`` (a
    DataFrame, pyarrow Table, numpy array, dict of lists or a CSV path) when not given.
    ``requirements`` default to the run's recorded packages, pinned.
    """
    import json

    from gitml.models import signature as sig

    if signature is not None:
        spec: dict[str, Any] | None = sig.check(signature, where="log_model(signature=...)")
    elif input_example is not None:
        spec = sig.infer(input_example)
    else:
        spec = None
    info = {
        "path": os.fspath(path),
        "flavor": flavor,
        "signature": spec,
        "requirements": list(requirements) if requirements is not None else None,
    }
    sink = _sink()
    sink.tag(MODEL_TAG, json.dumps({k: v for k, v in info.items() if v is not None}))
    sink.artifact(os.fspath(path))


class ActiveRun:
    """The run a script reports to under ``git ml run`` (recorded by the parent)."""

    def __init__(self, sink: Sink) -> None:
        self._sink = sink
        self.id = os.environ.get(ENV_RUN_ID, "")
        self.name = os.environ.get(ENV_RUN_NAME, "")

    def __enter__(self) -> ActiveRun:
        return self

    def __exit__(self, *exc: object) -> None:
        self.end()

    def end(self) -> None:
        """Write what is buffered (gitml records the run when the command ends)."""
        flush = getattr(self._sink, "flush", None)
        if callable(flush):
            flush()

    def log_metric(self, name: str, value: float, step: int | None = None) -> None:
        self._sink.metric(name, value, step)

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        for name, value in metrics.items():
            self._sink.metric(name, value, step)

    def log_param(self, key: str, value: Any) -> None:
        self._sink.params({key: value})

    def log_params(self, params: Mapping[str, Any]) -> None:
        self._sink.params(params)

    def set_tag(self, key: str, value: Any) -> None:
        self._sink.tag(key, value)

    def log_artifact(self, path: str | os.PathLike[str]) -> None:
        self._sink.artifact(os.fspath(path))


def start_run(
    name: str | None = None,
    params: Mapping[str, Any] | None = None,
    *,
    tags: Mapping[str, str] | None = None,
    message: str | None = None,
    path: str | os.PathLike[str] | None = None,
) -> ActiveRun | LocalRun:
    """Start a run now; use as ``with gitml.start_run(name=..., params=...) as run:``.

    Under ``git ml run`` this returns the run being recorded there (params and tags are
    added to it). Elsewhere it checkpoints the code of the repository at ``path`` (default:
    the current folder) and records a complete run when the block ends or ``run.end()``
    is called: ``completed``, ``failed`` on an exception, ``interrupted`` on Ctrl-C.
    """
    if os.environ.get(ENV_SPOOL) and not _stack:
        run = ActiveRun(_sink())
        if params:
            run.log_params(params)
        for key, value in (tags or {}).items():
            run.set_tag(key, value)
        return run
    from gitml.tracking.local import LocalRun

    local = LocalRun(name=name, params=params, tags=tags, message=message, path=path)
    local.begin(_stack)
    return local


def active_run() -> ActiveRun | LocalRun | None:
    """The run calls go to, or None outside any run."""
    if _stack:
        return _stack[-1]
    if os.environ.get(ENV_SPOOL):
        return ActiveRun(_sink())
    return None
