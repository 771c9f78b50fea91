"""``gitml.start_run()`` outside ``git ml run``: a complete run recorded in-process."""

from __future__ import annotations

import os
import platform
import sys
import warnings
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from gitml.errors import GitmlError
from gitml.records import ids
from gitml.runs.metrics import MetricEvent
from gitml.runs.spool import Recorder, existing_artifact, flatten_params

if TYPE_CHECKING:
    from gitml.storage.repo import GitRepo


# One repository handle (and the git processes it keeps) per work tree for the life of
# the process, so a script recording many runs starts them once.
_REPOS: dict[Path, GitRepo] = {}
KEEP_REPOS = 4


def _repo_of(path: Path) -> GitRepo:
    from gitml.storage.repo import open_repo

    key = path.resolve()
    repo = _REPOS.pop(key, None)
    if repo is None or not repo.is_current():
        repo = open_repo(key)
    while len(_REPOS) >= KEEP_REPOS:  # the least recently used goes (and its processes)
        _REPOS.pop(next(iter(_REPOS))).close()
    _REPOS[key] = repo
    return repo


class LocalRun(Recorder):
    """A run recorded by this process: checkpoint at start, record at the end."""

    def __init__(
        self,
        *,
        name: str | None = None,
        params: Mapping[str, Any] | None = None,
        tags: Mapping[str, str] | None = None,
        message: str | None = None,
        path: str | os.PathLike[str] | None = None,
    ) -> None:
        super().__init__()
        from gitml.runs.store import check_name

        self.id = ids.new_id()
        self.name = check_name(name) if name else ids.new_name()
        self.message = message
        self.doc: dict[str, Any] | None = None
        self._params: dict[str, Any] = flatten_params(params or {})
        self._tags: dict[str, str] = {k: str(v) for k, v in (tags or {}).items()}
        self._events: list[MetricEvent] = []
        self._artifacts: list[str] = []
        self._path = Path(path) if path is not None else Path.cwd()
        self._stack: list[LocalRun] | None = None

    def begin(self, stack: list[LocalRun]) -> None:
        """Checkpoint the code and start collecting (called by ``start_run``)."""
        from gitml.runs import params as params_mod
        from gitml.runs.env import capture_env
        from gitml.runs.execute import checkpoint, input_digests, now, open_workspace
        from gitml.runs.interpreter import Interpreter

        self._ws = open_workspace(_repo_of(self._path), self._path)
        file_params = params_mod.read_params(self._ws.cwd, self._ws.params_files)
        self._params = {**file_params, **self._params}
        self._code = checkpoint(self._ws, self.id)
        if self._code.withheld:
            import warnings

            from gitml.runs.secrets import warning_line

            paths = [item.path for item in self._code.withheld]
            warnings.warn(warning_line(paths, self.id), stacklevel=3)
        self._inputs = input_digests(self._ws, ())
        self._env = capture_env(
            self._ws.repo.state_dir,
            self._ws.settings.env_allowlist,
            Interpreter.current("script"),
        )
        self._started = now()
        self._stack = stack
        stack.append(self)

    def __enter__(self) -> LocalRun:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.end()
        elif issubclass(exc_type, KeyboardInterrupt):
            self.end("interrupted", 130)
        else:
            self.end("failed", 1)

    def end(self, status: str = "completed", exit_code: int | None = None) -> dict[str, Any]:
        """Record the run (once) and return its record."""
        if self.doc is not None:
            return self.doc
        from gitml.runs.execute import identity, now, recorded_outputs
        from gitml.runs.metrics import dump_history, merge_events
        from gitml.runs.record import RunFacts, Status, build_record
        from gitml.runs.redact import redact_command, redact_params, redact_text
        from gitml.runs.store import save_run

        if self._stack is not None and self in self._stack:
            self._stack.remove(self)
        try:
            state = Status(status)
        except ValueError:
            raise GitmlError(
                f"run status {status!r} is not one of completed, failed, interrupted"
            ) from None
        if exit_code is None:
            exit_code = {Status.COMPLETED: 0, Status.FAILED: 1, Status.INTERRUPTED: 130}[state]
        ws = self._ws
        events = merge_events(self._events)
        outputs, problems = recorded_outputs(
            self._artifacts, ws.cwd, ws.repo.workdir, what="log_artifact"
        )
        for problem in problems:
            warnings.warn(f"gitml: run {self.name}: {problem}", stacklevel=2)
        facts = RunFacts(
            id=self.id,
            name=self.name,
            status=state,
            started=self._started,
            ended=now(),
            exit_code=exit_code,
            command=redact_command([Path(sys.executable).name, *sys.argv], ws.cwd),
            cwd=ws.rel_cwd,
            user=identity(ws.repo),
            host=platform.node(),
            code=self._code,
            env=self._env.info,
            message=redact_text(self.message) if self.message else None,
            params=redact_params(self._params, by_key=True),
            events=events,
            tags=redact_params(self._tags, by_key=True),
            inputs=self._inputs,
            outputs=outputs,
        )
        doc = build_record(facts)
        save_run(
            ws.repo,
            doc,
            history=dump_history(events, merged=True),
            packages=(self._env.packages_hex, self._env.packages_text),
            link_checkpoint=ws.settings.link_checkpoints,
        )
        self.doc = doc
        return doc

    def metric(self, name: str, value: Any, step: int | None = None) -> None:
        value, step = self.checked(name, value, step)
        self._events.append(MetricEvent(name, step, value))

    def params(self, params: Mapping[str, Any]) -> None:
        self._params.update(flatten_params(params))

    def tag(self, key: str, value: Any) -> None:
        self._tags[key] = str(value)

    def artifact(self, path: str) -> None:
        self._artifacts.append(str(existing_artifact(path)))

    def log_metric(self, name: str, value: float, step: int | None = None) -> None:
        self.metric(name, value, step)

    def log_metrics(self, metrics: Mapping[str, float], step: int | None = None) -> None:
        for name, value in metrics.items():
            self.metric(name, value, step)

    def log_param(self, key: str, value: Any) -> None:
        self.params({key: value})

    def log_params(self, params: Mapping[str, Any]) -> None:
        self.params(params)

    def set_tag(self, key: str, value: Any) -> None:
        self.tag(key, value)

    def log_artifact(self, path: str | os.PathLike[str]) -> None:
        self.artifact(os.fspath(path))
