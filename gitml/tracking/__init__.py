"""The Python logging API: ``gitml.log_metric``, ``gitml.start_run`` and friends.

Under ``git ml run`` every call appends one line to the run's spool (about a microsecond).
Inside ``with gitml.start_run(...)`` calls go to that in-process run, which is recorded
on exit exactly as ``git ml run`` would record it (code checkpoint included). Anywhere
else the calls do nothing and warn once, so a script runs unchanged without gitml.

Runs nest as MLflow's do: ``start_run(nested=True)`` inside a run starts a child whose
``parent`` is the enclosing run; under ``git ml run`` the command's run is the outermost
one, and the children are recorded beside it when the command ends.

This module is imported by user scripts: it must not import pygit2, typer or numpy.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

from gitml.runs.spool import ENV_RUN_ID, ENV_RUN_NAME, ENV_SPOOL, SpoolWriter
from gitml.runs.tags import MODEL_TAG as MODEL_TAG
from gitml.tracking.sinks import GitmlWarning as GitmlWarning
from gitml.tracking.sinks import NullSink
from gitml.tracking.sinks import Sink as Sink

if TYPE_CHECKING:
    from gitml.records.shapes import RunRecord, RunStatus
    from gitml.tracking.local import LocalRun

_MLFLOW_STATUS = {"FINISHED": "completed", "FAILED": "failed", "KILLED": "interrupted"}


class ActiveRun:
    """A run that calls go to; ``with`` ends it (``failed`` on an exception).

    ``id``, ``name`` and ``parent`` are the run's; ``doc`` is its record once a run
    recorded in this process has ended (a run under ``git ml run`` is recorded by it).
    """

    def __init__(
        self,
        sink: Sink,
        *,
        run_id: str,
        name: str,
        parent: str | None = None,
        role: Literal["command", "nested", "local"],
    ) -> None:
        self.sink = sink
        self.id = run_id
        self.name = name
        self.parent = parent
        self.role = role
        self.ended = False

    @property
    def doc(self) -> RunRecord | None:
        """The run's record once it is stored (a run logged locally only)."""
        local = self.sink if self.role == "local" else None
        found: RunRecord | None = getattr(local, "doc", None)
        return found

    def __enter__(self) -> ActiveRun:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None or (issubclass(exc_type, SystemExit) and not getattr(exc, "code", 1)):
            self.end()
        elif issubclass(exc_type, KeyboardInterrupt):
            self.end("interrupted")
        else:
            self.end("failed")

    def end(self, status: RunStatus | str = "completed") -> None:
        """End the run (once): record it, or tell ``git ml run`` it ended."""
        if self.ended:
            return
        state = _MLFLOW_STATUS.get(status, status)
        if state not in ("completed", "failed", "interrupted"):
            from gitml.errors import GitmlError

            raise GitmlError(f"run status {status!r} is not one of completed, failed, interrupted")
        if self in _stack:  # runs started inside this one and still open end with it
            for inner in reversed(_stack[_stack.index(self) + 1 :]):
                inner.end(state)
        self.ended = True
        _pop(self)
        if self.role == "local":
            from gitml.tracking.local import LocalRun

            if isinstance(self.sink, LocalRun):
                self.sink.end(state)
        elif isinstance(self.sink, SpoolWriter):
            if self.role == "nested":
                self.sink.finish(state, _now())
            else:
                self.sink.flush()

    def log_metric(
        self, name: str, value: float, step: int | None = None, *, timestamp: int | None = None
    ) -> None:
        self.sink.metric(name, value, step, timestamp)

    def log_metrics(
        self, metrics: Mapping[str, float], step: int | None = None, *, timestamp: int | None = None
    ) -> None:
        for name, value in metrics.items():
            self.sink.metric(name, value, step, timestamp)

    def log_param(self, key: str, value: Any) -> None:
        self.sink.params({key: value})

    def log_params(self, params: Mapping[str, Any]) -> None:
        self.sink.params(params)

    def set_tag(self, key: str, value: Any) -> None:
        self.sink.tag(key, value)

    def set_tags(self, tags: Mapping[str, Any]) -> None:
        for key, value in tags.items():
            self.sink.tag(key, value)

    def log_artifact(self, path: str | os.PathLike[str], artifact_path: str | None = None) -> None:
        _log_artifact(self.sink, os.fspath(path), artifact_path)


_stack: list[ActiveRun] = []
_root: Sink | None = None  # the command's spool under ``git ml run``, else the null sink
_claimed = False  # the command's run has been handed to a top-level ``start_run``
_top: Sink | None = None  # the sink of the innermost active run (None: the root)


def _root_sink() -> Sink:
    global _root
    if _root is None:
        path = os.environ.get(ENV_SPOOL)
        _root = SpoolWriter(path) if path else NullSink()
    return _root


def _sink() -> Sink:
    return _top or _root_sink()


def _push(run: ActiveRun) -> None:
    global _top
    _stack.append(run)
    _top = run.sink


def _pop(run: ActiveRun) -> None:
    global _top
    if run in _stack:
        _stack.remove(run)
    _top = _stack[-1].sink if _stack else None


def _now() -> str:
    return datetime.now(UTC).isoformat()


def log_metric(
    name: str, value: float, step: int | None = None, *, timestamp: int | None = None
) -> None:
    """Record one value of a metric (``step`` defaults to the metric's next step;
    ``timestamp`` is milliseconds since the epoch, kept in the history when given)."""
    (_top or _root or _root_sink()).metric(name, value, step, timestamp)


def log_metrics(
    metrics: Mapping[str, float], step: int | None = None, *, timestamp: int | None = None
) -> None:
    """Record one value of each metric, all at ``step``."""
    sink = _sink()
    for name, value in metrics.items():
        sink.metric(name, value, step, timestamp)


def log_param(key: str, value: Any) -> None:
    """Record one param."""
    _sink().params({key: value})


def log_params(params: Mapping[str, Any]) -> None:
    """Record params (nested tables become dotted keys)."""
    _sink().params(params)


def set_tag(key: str, value: Any) -> None:
    """Set one tag of the run (the value is kept as text)."""
    _sink().tag(key, value)


def set_tags(tags: Mapping[str, Any]) -> None:
    """Set several tags of the run."""
    sink = _sink()
    for key, value in tags.items():
        sink.tag(key, value)


def _log_artifact(sink: Sink, path: str, artifact_path: str | None) -> None:
    if artifact_path is None:
        sink.artifact(path)
    else:
        name = f"{artifact_path.strip('/')}/{Path(path).name}".lstrip("/")
        sink.attach(path, name)


def log_artifact(path: str | os.PathLike[str], artifact_path: str | None = None) -> None:
    """Record a file or folder the run produced (content cached, digest in ``outputs``).

    Without ``artifact_path`` it is recorded at its place in the work tree; with one it
    is stored under ``artifact_path/<file name>`` as MLflow does (copied at the call).
    """
    _log_artifact(_sink(), os.fspath(path), artifact_path)


def log_artifacts(local_dir: str | os.PathLike[str], artifact_path: str | None = None) -> None:
    """Record every file of a folder (under ``artifact_path`` when given, as MLflow does)."""
    path = os.fspath(local_dir)
    if not Path(path).is_dir():
        raise NotADirectoryError(f"log_artifacts: {path!r} is not a folder")
    sink = _sink()
    if artifact_path is None:
        sink.artifact(path)
    else:
        sink.attach(path, artifact_path.strip("/") or Path(path).name)


def start_run(
    name: str | None = None,
    params: Mapping[str, Any] | None = None,
    *,
    run_name: str | None = None,
    nested: bool = False,
    tags: Mapping[str, Any] | None = None,
    message: str | None = None,
    description: str | None = None,
    path: str | os.PathLike[str] | None = None,
    parent: str | None = None,
    sweep: str | None = None,
    system_metrics: bool = False,
) -> ActiveRun:
    """Start a run; use as ``with gitml.start_run(name=..., params=...) as run:``.

    ``run_name`` and ``description`` are MLflow's spellings of ``name`` and ``message``.
    Under ``git ml run`` the first top-level run is the command's own run (params and tags
    are added to it); a nested run, or a later top-level one, is a child of the command's
    run. Elsewhere it checkpoints the code of the repository at ``path`` (default: the
    current folder) and records a complete run when the block ends or ``run.end()`` is
    called: ``completed``, ``failed`` on an exception, ``interrupted`` on Ctrl-C. A nested
    run shares its parent's checkpoint. ``system_metrics`` samples CPU, memory and GPU use
    into the run's history (under ``git ml run``: ``--system-metrics``).
    """
    from gitml.errors import UsageError

    name = name or run_name
    message = message or description
    enclosing = _stack[-1] if _stack else None
    if enclosing is not None and not nested:
        raise UsageError(
            f"run {enclosing.name} ({enclosing.id}) is active: end it first, or start this "
            "one with nested=True"
        )
    run = open_run(
        name=name,
        parent=parent or (enclosing.id if enclosing else None),
        outer=enclosing.sink if enclosing else None,
        sweep=sweep,
        message=message,
        path=path,
        system_metrics=system_metrics,
    )
    if params:
        run.log_params(params)
    if tags:
        run.set_tags(tags)
    _push(run)
    return run


def open_run(
    *,
    name: str | None = None,
    parent: str | None = None,
    outer: Sink | None = None,
    sweep: str | None = None,
    message: str | None = None,
    path: str | os.PathLike[str] | None = None,
    system_metrics: bool = False,
) -> ActiveRun:
    """A new run, not made the active one (``start_run`` and the MLflow plugin use it).

    Under ``git ml run`` the first run opened without a parent is the command's own run
    (a proposed ``name`` renames it unless ``--name`` was given); any other is a nested
    run of ``parent`` (default: the command's run). Elsewhere an in-process run, sharing
    the checkpoint of ``outer`` when that is one.
    """
    global _claimed
    if os.environ.get(ENV_SPOOL):
        root = _root_sink()
        assert isinstance(root, SpoolWriter)
        command_id = os.environ.get(ENV_RUN_ID, "")
        if parent is None and not _claimed:
            _claimed = True
            if name:
                root.propose_name(name)
            return ActiveRun(
                root, run_id=command_id, name=os.environ.get(ENV_RUN_NAME, ""), role="command"
            )
        return _spool_child(
            root, name=name, parent=parent or command_id, sweep=sweep, base=outer or root
        )
    from gitml.tracking.local import LocalRun

    local = LocalRun(
        name=name,
        message=message,
        path=path,
        parent=parent,
        sweep=sweep,
        system_metrics=system_metrics,
    )
    local.begin(outer if isinstance(outer, LocalRun) else None)
    return ActiveRun(local, run_id=local.id, name=local.name, parent=local.parent, role="local")


def _spool_child(
    root: SpoolWriter, *, name: str | None, parent: str, sweep: str | None, base: Sink
) -> ActiveRun:
    from gitml.records import ids

    run_id = ids.new_id()
    if name:
        from gitml.runs.save import check_run_name

        check_run_name(name)
    child_name = name or ids.new_name()
    writer = base if isinstance(base, SpoolWriter) else root
    facts = {"name": child_name, "parent": parent, "sweep": sweep, "started": _now()}
    child = writer.child(run_id, {k: v for k, v in facts.items() if v is not None})
    return ActiveRun(child, run_id=run_id, name=child_name, parent=parent, role="nested")


def end_run(status: RunStatus | str = "completed") -> None:
    """End the innermost active run (MLflow's ``FINISHED``/``FAILED``/``KILLED`` accepted)."""
    if _stack:
        _stack[-1].end(status)
    elif isinstance(_root, SpoolWriter):
        _root.flush()


def active_run() -> ActiveRun | None:
    """The innermost run calls go to (under ``git ml run``: at least the command's run)."""
    if _stack:
        return _stack[-1]
    if os.environ.get(ENV_SPOOL):
        return ActiveRun(
            _root_sink(),
            run_id=os.environ.get(ENV_RUN_ID, ""),
            name=os.environ.get(ENV_RUN_NAME, ""),
            role="command",
        )
    return None


def current_sink() -> Sink:
    """The sink of the innermost run (for the media, model and integration modules)."""
    return _sink()


def local_run(run: ActiveRun | None) -> LocalRun | None:
    """The in-process run behind ``run``, if it is one."""
    from gitml.tracking.local import LocalRun

    return run.sink if run is not None and isinstance(run.sink, LocalRun) else None
