"""``git ml run``: run a command in the working tree and record the run.

Order of work, chosen so nothing is half-recorded and the command starts quickly:
check every input (options, params files) -> checkpoint the code as the user left it ->
write ``-S`` overrides (added to the checkpoint; ``code.dirty`` describes the user's tree
only, so an override never makes a run dirty) -> start the command -> find its
interpreter and capture the environment while it runs -> wait -> restore the params
files -> read metrics -> write the record in one commit -> add the note. An output that
cannot be hashed is left out with a warning; the run is always recorded.
"""

import contextlib
import os
import signal
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from gitml.config import Settings, load_settings
from gitml.errors import GitmlError, UsageError
from gitml.objects.leftovers import owner_tag
from gitml.records import ids
from gitml.records.stand_ins import DeclaredTable, PersonTable, RerunTable, RunRecord
from gitml.registry.pending import register_pending
from gitml.runs import params as params_mod
from gitml.runs.attached import ingest
from gitml.runs.code import with_overrides
from gitml.runs.companions import (
    mlflow_env,
    mlflow_missed,
    mlflow_stores,
    proposed_name,
    system_sampler,
)
from gitml.runs.env import Environment, capture_env
from gitml.runs.interpreter import Interpreter, find_interpreter
from gitml.runs.live import Watch, follow
from gitml.runs.metrics import (
    MetricEvent,
    at_last_steps,
    dump_history,
    merge_events,
    read_metrics_file,
)
from gitml.runs.nested import events_of, nested_facts, remove_spools
from gitml.runs.params import Override
from gitml.runs.record import RunFacts, Status, build_record, declared_table
from gitml.runs.redact import redact_command, redact_params, redact_text
from gitml.runs.save import check_run_name, save_run
from gitml.runs.spool import ENV_RUN_ID, ENV_RUN_NAME, ENV_SPOOL, parse_spool, read_spool
from gitml.runs.supervise import INTERRUPTING, Supervisor, exit_code_of
from gitml.storage.repo import GitRepo
from gitml.storage.worktree import Checkpoint, Screen, create_checkpoint

if TYPE_CHECKING:
    from gitml.runs.secrets import SecretScreen

SPOOL_DIR = "spool"
Assignment = Mapping[tuple[str | None, str], Any]


class SearchOptions(NamedTuple):
    """``--search KIND --trials N --objective metrics.NAME --direction max|min``."""

    kind: str  # random | optuna
    trials: int
    objective: str | None = None
    direction: str | None = None
    sampler: str = "tpe"
    pruner: str = "median"
    seed: int | None = None


class RunRequest(NamedTuple):
    """What the user asked ``git ml run`` to do."""

    command: tuple[str, ...]
    name: str | None = None
    message: str | None = None
    tags: Mapping[str, str] = {}
    overrides: tuple[Override, ...] = ()
    params: Mapping[str, Any] = {}
    params_files: tuple[str, ...] = ()
    metrics_files: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    jobs: int = 1
    best: str | None = None
    on: str | None = None  # where members run: None (here) or a cluster, e.g. ray://HOST:PORT
    retries: int = 0  # new attempts at a member lost with its worker or machine
    search: SearchOptions | None = None
    cpus: float = 1.0  # what each member needs on a cluster
    gpus: float = 0.0
    system_metrics: bool = False  # sample CPU, memory and GPU use into the step history


class RunOutcome(NamedTuple):
    """A recorded run, the exit code gitml should end with (the command's), and what the
    record could not hold (an output gone before it was hashed, a metrics file never
    written)."""

    doc: RunRecord
    exit_code: int
    warnings: tuple[str, ...] = ()
    nested: int = 0  # runs the command started inside its own, recorded beside it
    notes: tuple[str, ...] = ()  # what else was done (model versions registered)


class Workspace(NamedTuple):
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
    settings = load_settings(workdir, cache_dir=repo.state_dir)
    names = (*settings.params_files, *extra_params_files)
    for name in names:
        params_mod.check_inside(workdir, cwd, name)
    for extra in extra_params_files:
        if not (cwd / extra).is_file():
            raise GitmlError(f"{extra}: params file not found (relative to {cwd})")
    files = tuple(params_mod.find_params_files(cwd, names))
    params_mod.read_params(cwd, files)
    return Workspace(repo=repo, settings=settings, cwd=cwd, params_files=files)


def identity(repo: GitRepo) -> PersonTable:
    sig = repo.signature()
    return {"name": sig.name, "email": sig.email}


def has_datasets(ws: Workspace) -> bool:
    """Whether any dataset pointer exists (without importing the data machinery)."""
    pointers = ws.repo.workdir / ws.settings.pointer_dir
    return pointers.is_dir() and any(pointers.glob("*.toml"))


def checkpoint(ws: Workspace, run_id: str, *, diffstat_later: bool = False) -> Checkpoint:
    """The run's code checkpoint: data tracked by gitml left out, credentials withheld
    (its diffstat still being computed with ``diffstat_later``: ``Checkpoint.settled``)."""
    exclude = None
    if has_datasets(ws):
        from gitml.data.run_io import dataset_filter

        exclude = dataset_filter(ws.repo.workdir)
    limit = ws.settings.checkpoint_max_file_bytes
    return create_checkpoint(
        ws.repo,
        max_file_bytes=limit,
        exclude=exclude,
        screen=credential_screen(ws.settings, limit),
        message=f"gitml checkpoint for run {run_id}",
        diffstat_later=diffstat_later,
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


class Member(NamedTuple):
    """One run of a (possibly one-member) sweep."""

    assignment: Assignment
    name: str
    sweep: str | None = None
    code_base: Checkpoint | None = None
    parent: str | None = None
    judge: Callable[[RunRecord], RerunTable] | None = None
    code: Checkpoint | None = None  # code checkpointed already (a pipeline's stages share it)
    inputs: Mapping[str, str] | None = None  # input digests known already
    finish: Callable[[RunFacts], RunFacts] | None = None  # last facts added before recording
    run_id: str | None = None  # chosen by whoever plans the member (default: at its start)
    user: PersonTable | None = None  # who ran it (default: the repository's identity)
    env: Mapping[str, str] = {}  # extra environment for the command
    tags: Mapping[str, str] = {}  # tags the record gets besides the run's
    code_has_overrides: bool = False  # ``code`` already holds the -S params files


class Performed(NamedTuple):
    """A member that ran, not yet recorded: what a worker hands back to the recording side."""

    facts: RunFacts
    environment: Environment
    problems: tuple[str, ...] = ()
    nested: tuple[tuple[RunFacts, list[MetricEvent]], ...] = ()  # runs started inside it


def execute_member(
    ws: Workspace,
    sup: Supervisor,
    request: RunRequest,
    member: Member,
    *,
    watch: Watch | None = None,
) -> RunOutcome:
    """Run the command once with ``member``'s overrides and record it."""
    performed = perform_member(ws, sup, request, member, watch=watch)
    return record_member(ws.repo, ws.settings, member, performed)


def perform_member(
    ws: Workspace,
    sup: Supervisor,
    request: RunRequest,
    member: Member,
    *,
    watch: Watch | None = None,
) -> Performed:
    """Run the command once with ``member``'s overrides; everything a record needs.

    ``watch`` hears when the command has started and every metric it logs while it runs,
    and may ask for it to stop (SIGTERM to its process group).
    """
    repo, settings, cwd = ws.repo, ws.settings, ws.cwd
    new_texts = params_mod.plan_overrides(cwd, ws.params_files, member.assignment)
    run_id = member.run_id or ids.new_id()
    inputs = member.inputs if member.inputs is not None else input_digests(ws, request.inputs)
    metrics_files = tuple(dict.fromkeys((*settings.metrics_files, *request.metrics_files)))
    before = {rel: _stat_key(cwd / rel) for rel in metrics_files}
    spool_dir = repo.state_dir / SPOOL_DIR
    spool_dir.mkdir(exist_ok=True)
    spool = spool_dir / f"{run_id}.{owner_tag()}"  # tagged: a later run removes it if we die
    spool.touch()
    env = {
        **os.environ,
        **member.env,
        ENV_SPOOL: str(spool),
        ENV_RUN_ID: run_id,
        ENV_RUN_NAME: member.name,
    }
    user = member.user or identity(repo)
    reported = parse_spool(b"")  # nothing, until the command has run
    try:
        started = now()
        code = member.code or member.code_base
        if code is None:  # with -S the diffstat that counts is the overridden checkpoint's
            code = checkpoint(ws, run_id, diffstat_later=not new_texts)
        interpreter = find_interpreter(request.command, cwd, env, repo.state_dir)
        env.update(mlflow_env(interpreter, env))
        stores_before = mlflow_stores(cwd)
        sampled: list[MetricEvent] = []
        with params_mod.overridden(cwd, new_texts):
            file_params = params_mod.read_params(cwd, ws.params_files)
            if not member.code_has_overrides:
                code = with_overrides(
                    ws.repo, code, cwd=cwd, new_texts=new_texts, run_id=run_id, diffstat_later=True
                )
            child = sup.start(request.command, cwd=cwd, env=env)
            repo.prepare_writes()  # the record's writer, if the checkpoint used the first
            sampler = system_sampler(request, sampled)  # stopped below, once the child ends
            tail = None
            try:
                environment = capture_env(repo.state_dir, settings.env_allowlist, interpreter)
                code = code.settled()  # git compared two commits while the command ran
                begun = RunFacts(
                    id=run_id,
                    name=member.name,
                    status=Status.INTERRUPTED,
                    started=started,
                    ended=started,
                    exit_code=exit_code_of(-signal.SIGKILL),
                    command=redact_command(request.command, cwd),
                    cwd=ws.rel_cwd,
                    user=user,
                    host=os.uname().nodename,
                    code=code,
                    env=environment.info,
                    message=redact_text(request.message) if request.message else None,
                    parent=member.parent,
                    sweep=member.sweep,
                    params={
                        **redact_params(file_params, by_key=False),
                        **redact_params(dict(request.params), by_key=True),
                    },
                    tags=redact_params(dict(request.tags), by_key=True),
                    inputs=inputs,
                    declared=declared(request),
                )
                if watch is not None:
                    tail = follow(spool, watch, stop=lambda: sup.terminate(child))
                    watch.begun(Performed(begun, environment))
            finally:
                try:
                    returncode = sup.wait(child)
                finally:
                    if tail is not None:
                        tail.close()
                    if sampler is not None:
                        sampler.stop()
            ended = now()
        reported = read_spool(str(spool))
        told = Interpreter.from_report(reported.interpreter) if reported.interpreter else None
        if told is not None and not told.same_as(interpreter):
            environment = capture_env(repo.state_dir, settings.env_allowlist, told)
        events = events_of(reported)
        events = merge_events(
            events, sampled, metrics_file_events(cwd, metrics_files, before, events)
        )
        status = status_of(returncode, sup.received)
        declared_outputs = request.outputs
        if status is not Status.COMPLETED:  # a failed command may not have written them
            declared_outputs = tuple(p for p in request.outputs if (cwd / p).exists())
        outputs, problems = recorded_outputs(declared_outputs, cwd, repo.workdir, what="-o")
        logged, logged_problems = recorded_outputs(
            reported.artifacts, cwd, repo.workdir, what="log_artifact"
        )
        outputs.update(logged)
        named, media, named_problems = ingest(reported.files, repo.workdir)
        outputs.update(named)
        problems += logged_problems + named_problems
        if status is Status.COMPLETED:
            problems += unread_metrics_files(cwd, request.metrics_files, before)
        missed = mlflow_missed(interpreter, cwd, stores_before)
        problems += [missed] if missed else []
        facts = begun._replace(
            name=proposed_name(request, member, reported.name),
            status=status,
            ended=ended,
            exit_code=exit_code_of(returncode),
            env=environment.info,
            params={**begun.params, **redact_params(dict(reported.params), by_key=True)},
            events=events,
            tags={**begun.tags, **redact_params(dict(reported.tags), by_key=True)},
            outputs=outputs,
            media=media,
        )
        nested, nested_problems = nested_facts(
            facts, spool, reported.children, workdir=repo.workdir
        )
        problems += nested_problems
    finally:
        with contextlib.suppress(OSError):
            spool.unlink()
        remove_spools(spool, reported.children)
    return Performed(facts, environment, tuple(problems), nested=tuple(nested))


def record_member(
    repo: GitRepo, settings: Settings, member: Member, performed: Performed
) -> RunOutcome:
    """Write the record of a member that ran (its last facts added, judged if a rerun),
    then the runs it started inside its own, then the model versions they asked for."""
    facts = performed.facts
    if member.tags:
        facts = facts._replace(tags={**facts.tags, **member.tags})
    if member.finish is not None:
        facts = member.finish(facts)
    built = build_record(facts)
    if member.judge is not None:
        built = build_record(facts, rerun=member.judge(built))
    with recording(facts.id, facts.exit_code):
        doc = store(repo, settings, built, events=facts.events, environment=performed.environment)
    problems = list(performed.problems)
    notes: list[str] = []
    recorded = [doc]
    for child_facts, child_events in performed.nested:
        redacted = child_facts._replace(
            params=redact_params(child_facts.params, by_key=True),
            tags=redact_params(child_facts.tags, by_key=True),
        )
        child = build_record(redacted)
        recorded.append(
            store(repo, settings, child, events=child_events, environment=performed.environment)
        )
    for each in recorded:
        registered, failed = register_pending(repo, each)
        notes += registered
        problems += failed
    return RunOutcome(
        doc,
        facts.exit_code,
        tuple(problems),
        nested=len(performed.nested),
        notes=tuple(notes),
    )


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
) -> RunRecord:
    """Write a run record with its metric history and package list; the record, validated."""
    return save_run(
        repo,
        doc,
        history=dump_history(events, merged=True),
        packages=(environment.packages_hex, environment.packages_text),
        link_checkpoint=settings.link_checkpoints,
    )


def declared(request: RunRequest) -> DeclaredTable:
    """The files a run was told about (``-M``, ``--params-file``, ``-o``), for reruns."""
    return declared_table(
        metrics=request.metrics_files, params=request.params_files, outputs=request.outputs
    )


def validate_request(request: RunRequest) -> None:
    if not request.command:
        raise UsageError(
            "nothing to run; give the command after `--`, e.g. git ml run -- python train.py"
        )
    if request.name is not None:
        check_run_name(request.name)
    if request.jobs < 1:
        raise UsageError(f"--jobs {request.jobs}: must be at least 1")
    if request.retries < 0:
        raise UsageError(f"--retries {request.retries}: must be 0 or more")
    if request.cpus < 0 or request.gpus < 0:
        raise UsageError("--cpus and --gpus: must be 0 or more")
    search = request.search
    if search is not None:
        if search.kind not in ("random", "optuna"):
            raise UsageError(f"--search {search.kind}: choose random or optuna")
        if search.trials < 1:
            raise UsageError(f"--trials {search.trials}: must be at least 1")
        if search.direction not in (None, "max", "min"):
            raise UsageError(f"--direction {search.direction}: choose max or min")
        if search.kind == "optuna" and search.objective is None:
            raise UsageError(
                "--search optuna needs the metric to optimise: --objective metrics.NAME"
            )
