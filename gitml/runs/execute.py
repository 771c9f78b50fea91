"""``git ml run``: run a command in the working tree and record the run.

Order of work, chosen so nothing is half-recorded and the command starts quickly:
check every input (options, params files) -> checkpoint the code as the user left it ->
write ``-S`` overrides (added to the checkpoint; ``code.dirty`` describes the user's tree
only, so an override never makes a run dirty) -> start the command -> find its
interpreter and capture the environment while it runs -> wait -> restore the params
files -> read metrics -> write the record in one commit -> add the note. An output that
cannot be hashed is left out with a warning; the run is always recorded.
"""

from __future__ import annotations

import contextlib
import os
import platform
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitml.config import Settings, load_settings
from gitml.data.leftovers import owner_tag, sweep_state
from gitml.errors import GitmlError, UsageError
from gitml.records import ids
from gitml.runs import params as params_mod
from gitml.runs.code import with_overrides
from gitml.runs.env import Environment, capture_env
from gitml.runs.interpreter import Interpreter, find_interpreter
from gitml.runs.metrics import (
    MetricEvent,
    at_last_steps,
    dump_history,
    merge_events,
    read_metrics_file,
)
from gitml.runs.params import Override
from gitml.runs.record import RunFacts, Status, build_record
from gitml.runs.redact import redact_command, redact_params, redact_text
from gitml.runs.spool import ENV_RUN_ID, ENV_RUN_NAME, ENV_SPOOL, read_spool
from gitml.runs.store import check_name, save_run
from gitml.runs.supervise import INTERRUPTING, Supervisor, exit_code_of
from gitml.storage.repo import GitRepo
from gitml.storage.worktree import Checkpoint, Screen, create_checkpoint

if TYPE_CHECKING:
    from gitml.runs.secrets import SecretScreen
    from gitml.runs.sweep import SweepOutcome

SPOOL_DIR = "spool"
Assignment = Mapping[tuple[str | None, str], Any]


@dataclass(frozen=True)
class RunRequest:
    """What the user asked ``git ml run`` to do."""

    command: tuple[str, ...]
    name: str | None = None
    message: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    overrides: tuple[Override, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)
    params_files: tuple[str, ...] = ()
    metrics_files: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    jobs: int = 1
    best: str | None = None


@dataclass(frozen=True)
class RunOutcome:
    """A recorded run, the exit code gitml should end with (the command's), and what the
    record could not hold (an output gone before it was hashed, a metrics file never
    written)."""

    doc: dict[str, Any]
    exit_code: int
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Workspace:
    """Where a run happens: the repository, its settings and the command's folder."""

    repo: GitRepo
    settings: Settings
    cwd: Path
    params_files: tuple[str, ...]

    @property
    def rel_cwd(self) -> str:
        rel = self.cwd.relative_to(self.repo.workdir).as_posix()
        return rel or "."


def now() -> datetime:
    stamp = datetime.now(UTC)
    return stamp.replace(microsecond=stamp.microsecond // 1000 * 1000)


def open_workspace(repo: GitRepo, cwd: Path, extra_params_files: Sequence[str] = ()) -> Workspace:
    workdir = repo.workdir
    cwd = cwd.resolve()
    try:
        cwd.relative_to(workdir)
    except ValueError:
        raise GitmlError(f"{cwd}: is outside the work tree {workdir}") from None
    settings = load_settings(workdir)
    names = (*settings.params_files, *extra_params_files)
    for name in names:
        params_mod.check_inside(workdir, cwd, name)
    for extra in extra_params_files:
        if not (cwd / extra).is_file():
            raise GitmlError(f"{extra}: params file not found (relative to {cwd})")
    files = tuple(params_mod.find_params_files(cwd, names))
    params_mod.read_params(cwd, files)
    return Workspace(repo, settings, cwd, files)


def identity(repo: GitRepo) -> dict[str, str]:
    sig = repo.signature()
    return {"name": sig.name, "email": sig.email}


def max_file_bytes(settings: Settings) -> int:
    return int(settings.checkpoint_max_file_mb * 1_000_000)


def has_datasets(ws: Workspace) -> bool:
    """Whether any dataset pointer exists (without importing the data machinery)."""
    pointers = ws.repo.workdir / ws.settings.pointer_dir
    return pointers.is_dir() and any(pointers.glob("*.toml"))


def checkpoint(ws: Workspace, run_id: str) -> Checkpoint:
    """The run's code checkpoint: data tracked by gitml left out, credentials withheld."""
    exclude = None
    if has_datasets(ws):
        from gitml.data.run_io import dataset_filter

        exclude = dataset_filter(ws.repo.workdir)
    limit = max_file_bytes(ws.settings)
    return create_checkpoint(
        ws.repo,
        max_file_bytes=limit,
        exclude=exclude,
        screen=credential_screen(ws.settings, limit),
        message=f"gitml checkpoint for run {run_id}",
    )


def credential_screen(settings: Settings, limit: int) -> Screen:
    """``gitml.runs.secrets``, built on the first changed file (a clean tree never needs it)."""
    made: list[SecretScreen] = []

    def screen(path: str, untracked: bool, full: Path) -> str | None:
        if not made:
            from gitml.runs.secrets import SecretScreen

            made.append(SecretScreen.of(settings, max_bytes=limit))
        return made[0].reason(path, untracked=untracked, full=full)

    return screen


def _stat_key(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def status_of(returncode: int, signals: Sequence[int]) -> Status:
    if signals or (returncode < 0 and -returncode in INTERRUPTING):
        return Status.INTERRUPTED
    if returncode in (130, 143):
        return Status.INTERRUPTED
    return Status.COMPLETED if returncode == 0 else Status.FAILED


def digests(paths: Sequence[str], cwd: Path, workdir: Path) -> dict[str, str]:
    """Output digests; the files (and folder listings) are stored in the data cache."""
    if not paths:
        return {}  # nothing declared: the data machinery is not even imported
    from gitml.data.run_io import output_digests

    return output_digests(workdir, paths, cwd)


def recorded_outputs(
    paths: Sequence[str], cwd: Path, workdir: Path, *, what: str
) -> tuple[dict[str, str], list[str]]:
    """(digests, warnings): an output that cannot be hashed is left out, never the run."""
    paths = list(dict.fromkeys(paths))
    problems = [
        f"{what} {p}: not recorded, it no longer exists" for p in paths if not (cwd / p).exists()
    ]
    present = [p for p in paths if (cwd / p).exists()]
    try:
        return digests(present, cwd, workdir), problems
    except GitmlError:
        found: dict[str, str] = {}
        for path in present:
            try:
                found.update(digests([path], cwd, workdir))
            except GitmlError as exc:
                problems.append(f"{what} {path}: not recorded: {exc}")
        return found, problems


def unread_metrics_files(
    cwd: Path, files: Sequence[str], before: Mapping[str, tuple[int, int] | None]
) -> list[str]:
    """Warnings for ``-M`` files the run did not write (missing, or unchanged since before)."""
    out = []
    for rel in files:
        key = _stat_key(cwd / rel)
        if key is None:
            out.append(f"-M {rel}: no metrics file was found after the run; nothing was read")
        elif key == before.get(rel):
            out.append(f"-M {rel}: the run did not write it (unchanged since before); not read")
    return out


def input_digests(ws: Workspace, paths: Sequence[str]) -> dict[str, str]:
    """Input datasets as name -> manifest digest (all datasets when ``paths`` is empty)."""
    if not paths and not has_datasets(ws):
        return {}  # no datasets: the data machinery is not even imported
    from gitml.data.run_io import input_digests as data_inputs

    return data_inputs(ws.repo.workdir, paths, ws.cwd)


def metrics_file_events(
    cwd: Path,
    files: Sequence[str],
    before: Mapping[str, tuple[int, int] | None],
    logged: Sequence[MetricEvent] = (),
) -> list[MetricEvent]:
    """Events of metrics files written during the run (stale files are ignored).

    A table of final values lands on each metric's last logged step; CSV history keeps
    its own steps.
    """
    events: list[MetricEvent] = []
    for rel in files:
        path = cwd / rel
        key = _stat_key(path)
        if key is None or key == before.get(rel):
            continue
        found = read_metrics_file(path, rel)
        events.extend(found if rel.endswith(".csv") else at_last_steps(found, logged))
    return events


@dataclass(frozen=True)
class Member:
    """One run of a (possibly one-member) sweep."""

    assignment: Assignment
    name: str
    sweep: str | None = None
    code_base: Checkpoint | None = None
    parent: str | None = None
    judge: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    code: Checkpoint | None = None  # code checkpointed already (a pipeline's stages share it)
    inputs: Mapping[str, str] | None = None  # input digests known already
    finish: Callable[[RunFacts], RunFacts] | None = None  # last facts added before recording


def execute_member(
    ws: Workspace, sup: Supervisor, request: RunRequest, member: Member
) -> RunOutcome:
    """Run the command once with ``member``'s overrides and record it."""
    repo, settings, cwd = ws.repo, ws.settings, ws.cwd
    new_texts = params_mod.plan_overrides(cwd, ws.params_files, member.assignment)
    run_id = ids.new_id()
    inputs = member.inputs if member.inputs is not None else input_digests(ws, request.inputs)
    metrics_files = tuple(dict.fromkeys((*settings.metrics_files, *request.metrics_files)))
    before = {rel: _stat_key(cwd / rel) for rel in metrics_files}
    spool_dir = repo.state_dir / SPOOL_DIR
    spool_dir.mkdir(exist_ok=True)
    spool = spool_dir / f"{run_id}.{owner_tag()}"  # tagged: a later run removes it if we die
    spool.touch()
    env = {
        **os.environ,
        ENV_SPOOL: str(spool),
        ENV_RUN_ID: run_id,
        ENV_RUN_NAME: member.name,
    }
    try:
        started = now()
        code = member.code or member.code_base or checkpoint(ws, run_id)
        with params_mod.overridden(cwd, new_texts):
            file_params = params_mod.read_params(cwd, ws.params_files)
            code = with_overrides(ws.repo, code, cwd=cwd, new_texts=new_texts, run_id=run_id)
            child = sup.start(request.command, cwd=cwd, env=env)
            try:
                interpreter = find_interpreter(request.command, cwd, env, repo.state_dir)
                environment = capture_env(repo.state_dir, settings.env_allowlist, interpreter)
            finally:
                returncode = sup.wait(child)
            ended = now()
        reported = read_spool(str(spool))
        told = Interpreter.from_report(reported.interpreter) if reported.interpreter else None
        if told is not None and not told.same_as(interpreter):
            environment = capture_env(repo.state_dir, settings.env_allowlist, told)
        events = [MetricEvent(n, s, v) for n, s, v in reported.metrics]
        events = merge_events(events, metrics_file_events(cwd, metrics_files, before, events))
        status = status_of(returncode, sup.received)
        declared_outputs = request.outputs
        if status is not Status.COMPLETED:  # a failed command may not have written them
            declared_outputs = tuple(p for p in request.outputs if (cwd / p).exists())
        outputs, problems = recorded_outputs(declared_outputs, cwd, repo.workdir, what="-o")
        logged, logged_problems = recorded_outputs(
            reported.artifacts, cwd, repo.workdir, what="log_artifact"
        )
        outputs.update(logged)
        problems += logged_problems
        if status is Status.COMPLETED:
            problems += unread_metrics_files(cwd, request.metrics_files, before)
        facts = RunFacts(
            id=run_id,
            name=member.name,
            status=status,
            started=started,
            ended=ended,
            exit_code=exit_code_of(returncode),
            command=redact_command(request.command, cwd),
            cwd=ws.rel_cwd,
            user=identity(repo),
            host=platform.node(),
            code=code,
            env=environment.info,
            message=redact_text(request.message) if request.message else None,
            parent=member.parent,
            sweep=member.sweep,
            params={
                **redact_params(file_params, by_key=False),
                **redact_params({**request.params, **reported.params}, by_key=True),
            },
            events=events,
            tags=redact_params({**request.tags, **reported.tags}, by_key=True),
            inputs=inputs,
            outputs=outputs,
            declared=declared(request),
        )
        if member.finish is not None:
            facts = member.finish(facts)
        doc = build_record(facts)
        if member.judge is not None:
            doc = build_record(facts, rerun=member.judge(doc))
        with recording(run_id, returncode):
            store(repo, settings, doc, events=events, environment=environment)
    finally:
        with contextlib.suppress(OSError):
            spool.unlink()
    return RunOutcome(doc, facts.exit_code, tuple(problems))


@contextlib.contextmanager
def recording(run_id: str, returncode: int) -> Iterator[None]:
    """Say, on an error after the command ended, that it ran but its run is not recorded."""
    try:
        yield
    except GitmlError as exc:
        code = exit_code_of(returncode)
        exc.args = (f"the command ended (exit {code}) but run {run_id} was not recorded: {exc}",)
        raise


def store(
    repo: GitRepo,
    settings: Settings,
    doc: Mapping[str, Any],
    *,
    events: Sequence[MetricEvent],
    environment: Environment,
) -> None:
    """Write a run record with its metric history and package list."""
    save_run(
        repo,
        doc,
        history=dump_history(events, merged=True),
        packages=(environment.packages_hex, environment.packages_text),
        link_checkpoint=settings.link_checkpoints,
    )


def declared(request: RunRequest) -> dict[str, list[str]]:
    """The files a run was told about (``-M``, ``--params-file``, ``-o``), for reruns."""
    found = {
        "metrics": list(request.metrics_files),
        "params": list(request.params_files),
        "outputs": list(request.outputs),
    }
    return {key: value for key, value in found.items() if value}


def validate_request(request: RunRequest) -> None:
    if not request.command:
        raise UsageError(
            "nothing to run; give the command after `--`, e.g. git ml run -- python train.py"
        )
    if request.name is not None:
        check_name(request.name)
    if request.jobs < 1:
        raise UsageError(f"--jobs {request.jobs}: must be at least 1")


def run(
    repo: GitRepo,
    request: RunRequest,
    *,
    cwd: Path | None = None,
    on_member: Callable[[RunOutcome], None] | None = None,
) -> RunOutcome | SweepOutcome:
    """Execute ``request``; a sweep when ``-S`` lists several values.

    Returns a RunOutcome for a single run, a SweepOutcome for a sweep.
    """
    validate_request(request)
    sweep_state(repo.state_dir)  # temporary files and spools of killed gitml processes
    repo.prepare_writes()  # git's writers start while the command runs
    ws = open_workspace(repo, cwd or Path.cwd(), request.params_files)
    grid = params_mod.expand_grid(request.overrides)
    with Supervisor() as sup:
        if len(grid) == 1:
            name = request.name or ids.new_name()
            return execute_member(ws, sup, request, Member(grid[0], name))
        from gitml.runs.sweep import run_sweep

        return run_sweep(ws, sup, request, grid, on_member=on_member)
