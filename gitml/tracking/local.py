"""``gitml.start_run()`` outside ``git ml run``: a complete run recorded in-process."""

from __future__ import annotations

import os
import platform
import sys
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitml.errors import GitmlError
from gitml.records import ids
from gitml.runs.metrics import MetricEvent
from gitml.runs.spool import Recorder, existing_artifact, flatten_params, stage_copy

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject, Params, RunRecord
    from gitml.runs.env import Environment
    from gitml.runs.execute import Workspace
    from gitml.storage.repo import GitRepo
    from gitml.storage.worktree import Checkpoint


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
    """A run recorded by this process: checkpoint at start, record at the end.

    A nested run (``begin(outer)``) shares its parent's workspace, checkpoint and
    environment, and reads no params files of its own.
    """

    def __init__(
        self,
        *,
        name: str | None = None,
        params: Mapping[str, Any] | None = None,
        tags: Mapping[str, str] | None = None,
        message: str | None = None,
        path: str | os.PathLike[str] | None = None,
        parent: str | None = None,
        sweep: str | None = None,
        system_metrics: bool = False,
    ) -> None:
        super().__init__()
        from gitml.runs.save import check_run_name

        self.id = ids.new_id()
        self.name = check_run_name(name) if name else ids.new_name()
        self.message = message
        self.parent = parent
        self.sweep = sweep
        self.doc: RunRecord | None = None
        self._params: Params = flatten_params(params or {})
        self._tags: dict[str, str] = {k: str(v) for k, v in (tags or {}).items()}
        self._events: list[MetricEvent] = []
        self._artifacts: list[str] = []
        self._files: list[JsonObject] = []
        self._path = Path(path) if path is not None else Path.cwd()
        self._system_metrics = system_metrics
        self._sampler: Any = None
        self._ws: Workspace
        self._code: Checkpoint
        self._inputs: dict[str, str]
        self._env: Environment

    def begin(self, outer: LocalRun | None = None) -> None:
        """Checkpoint the code (or share ``outer``'s) and start collecting."""
        from gitml.runs.execute import now

        if outer is not None:
            self._ws, self._code, self._inputs, self._env = (
                outer._ws,
                outer._code,
                outer._inputs,
                outer._env,
            )
        else:
            self._checkpoint()
        self._started = now()
        if self._system_metrics:
            from gitml.runs.sysmetrics import Sampler

            self._sampler = Sampler(self.metric_at)
            self._sampler.start()

    def _checkpoint(self) -> None:
        from gitml.runs import params as params_mod
        from gitml.runs.env import capture_env
        from gitml.runs.execute import checkpoint, input_digests, open_workspace
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

    @property
    def staging(self) -> Path:
        return Path(self._ws.repo.state_dir) / "spool" / f"{self.id}.files"

    def end(self, status: str = "completed", exit_code: int | None = None) -> RunRecord:
        """Record the run (once) and return its record."""
        if self.doc is not None:
            return self.doc
        from gitml.runs.attached import ingest, remove_staged
        from gitml.runs.execute import identity, now, recorded_outputs
        from gitml.runs.metrics import dump_history, merge_events
        from gitml.runs.record import RunFacts, Status, build_record
        from gitml.runs.redact import redact_command, redact_params, redact_text
        from gitml.runs.save import save_run

        try:
            state = Status(status)
        except ValueError:
            raise GitmlError(
                f"run status {status!r} is not one of completed, failed, interrupted"
            ) from None
        if self._sampler is not None:
            self._sampler.stop()
        if exit_code is None:
            exit_code = {Status.COMPLETED: 0, Status.FAILED: 1, Status.INTERRUPTED: 130}[state]
        ws = self._ws
        events = merge_events(self._events)
        outputs, problems = recorded_outputs(
            self._artifacts, ws.cwd, ws.repo.workdir, what="log_artifact"
        )
        named, media, named_problems = ingest(self._files, ws.repo.workdir)
        outputs.update(named)
        for problem in [*problems, *named_problems]:
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
            parent=self.parent,
            sweep=self.sweep,
            params=redact_params(self._params, by_key=True),
            events=events,
            tags=redact_params(self._tags, by_key=True),
            inputs=self._inputs,
            outputs=outputs,
            media=media,
        )
        doc = save_run(
            ws.repo,
            build_record(facts),
            history=dump_history(events, merged=True),
            packages=(self._env.packages_hex, self._env.packages_text),
            link_checkpoint=ws.settings.link_checkpoints,
        )
        remove_staged(self.staging)
        self.doc = doc
        from gitml.registry.pending import register_pending

        _registered, failed = register_pending(ws.repo, doc)
        for problem in failed:
            warnings.warn(f"gitml: run {self.name}: {problem}", stacklevel=2)
        return doc

    def metric(
        self, name: str, value: Any, step: int | None = None, timestamp: int | None = None
    ) -> None:
        value, step = self.checked(name, value, step)
        self._events.append(MetricEvent(name=name, step=step, value=value, timestamp=timestamp))

    def metric_at(self, name: str, value: float, step: int, timestamp: int) -> None:
        """A sampled value (system metrics): from another thread, so no step counter."""
        self._events.append(MetricEvent(name=name, step=step, value=value, timestamp=timestamp))

    def params(self, params: Mapping[str, Any]) -> None:
        self._params.update(flatten_params(params))

    def tag(self, key: str, value: Any) -> None:
        self._tags[key] = str(value)

    def artifact(self, path: str) -> None:
        self._artifacts.append(str(existing_artifact(path)))

    def attach(self, path: str, name: str, info: Mapping[str, Any] | None = None) -> None:
        from gitml.runs.attached import check_artifact_name

        staged = stage_copy(existing_artifact(path), self.staging)
        self._files.append({**(info or {}), "name": check_artifact_name(name), "path": str(staged)})
