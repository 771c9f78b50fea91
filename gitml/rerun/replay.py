"""``git ml rerun``: run a recorded run again from its checkpoint, data and params.

Order of work: check the record (checkpoint commit present, command complete) -> add a
detached worktree of the checkpoint in a temporary folder (the user's work tree, index
and HEAD are never touched) -> put the inputs back by digest -> run the command in the
same folder through ``git ml run``'s own executor, with the run as ``parent`` and the
declared metrics, params and output files -> judge the new record against the original
before it is written -> remove the worktree, also after Ctrl-C, SIGTERM or SIGHUP.

The checkpoint already holds the params files as the run saw them (``-S`` overrides
included), so params need no restoring; ``--set`` changes them again for a what-if rerun.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from gitml.config import Settings, load_settings
from gitml.errors import GitmlError, UsageError
from gitml.objects import pathguard
from gitml.rerun.envdiff import EnvDiff, compare_env
from gitml.rerun.inputs import locate_inputs, request_inputs, restore_inputs
from gitml.rerun.report import RerunPlan, RerunResult, SetOutcome
from gitml.rerun.select import Selection, check_checkpoint, check_command
from gitml.rerun.unrecorded import note, restore_unrecorded, unrecorded_datasets
from gitml.rerun.verdict import Judgement, Tolerances, judge, tolerances
from gitml.runs.code import checkpoint_of
from gitml.runs.env import capture_env, packages
from gitml.runs.execute import Member, RunRequest, execute_member, open_workspace
from gitml.runs.interpreter import find_interpreter
from gitml.runs.params import Override, expand_grid
from gitml.runs.store import read_packages
from gitml.runs.supervise import Supervisor
from gitml.storage.repo import GitRepo
from gitml.storage.worktree import Checkpoint, add_worktree, remove_worktree

if TYPE_CHECKING:
    from gitml.records.shapes import EnvTable, RerunTable, RunRecord

NAME_SUFFIX = "-rerun"
_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


@dataclass(frozen=True)
class RerunOptions:
    """How to rerun: tolerances (``--tolerance`` texts), ``--set`` overrides, ``--in DIR``."""

    tolerances: Sequence[str] = ()
    overrides: Sequence[Override] = ()
    keep_in: Path | None = None
    stdout: int | None = None  # where the command's stdout goes (default: inherited)


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _raise_interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def _handling(
    sigs: Sequence[int], handler: Callable[[int, FrameType | None], None]
) -> Iterator[None]:
    """``handler`` handles ``sigs`` inside the block (on the main thread; elsewhere nothing)."""
    if not _main_thread():
        yield
        return
    saved = {sig: signal.signal(sig, handler) for sig in sigs}
    try:
        yield
    finally:
        for sig, previous in saved.items():
            signal.signal(sig, previous)


def interruptible() -> contextlib.AbstractContextManager[None]:
    """SIGTERM and SIGHUP interrupt like Ctrl-C does, so ``finally`` blocks clean up."""
    return _handling(_SIGNALS, _raise_interrupt)


@contextlib.contextmanager
def shielded() -> Iterator[None]:
    """Hold Ctrl-C, SIGTERM and SIGHUP back while cleaning up (re-raised afterwards)."""
    held: list[int] = []

    def hold(signum: int, _frame: FrameType | None) -> None:
        held.append(signum)

    with _handling((signal.SIGINT, *_SIGNALS), hold):
        yield
    if held:
        raise KeyboardInterrupt


def what_if_assignment(overrides: Sequence[Override]) -> dict[tuple[str | None, str], Any]:
    grid = expand_grid(overrides)
    if len(grid) != 1:
        raise UsageError("--set takes one value per param in a rerun (for a sweep use git ml run)")
    return grid[0]


def rerun_name(doc: RunRecord) -> str:
    return str(doc["name"])[: 64 - len(NAME_SUFFIX)].rstrip(".-_+") + NAME_SUFFIX


def rerun_request(
    doc: RunRecord,
    *,
    command: tuple[str, ...],
    assignment: Mapping[tuple[str | None, str], Any],
    judge: Judge,
    inputs: tuple[str, ...],
    template: RunRequest | None = None,
) -> RunRequest:
    """``template`` (default: a plain request) set to rerun ``doc``: its name, a message
    naming the what-ifs, its params but those ``assignment`` sets, its declared files."""
    declared = doc.get("declared") or {}
    changed = {key for _file, key in assignment}
    what_if = judge.what_if
    return (template or RunRequest(command=command))._replace(
        command=command,
        name=rerun_name(doc),
        message=f"rerun of {doc['id']}" + (f" with {', '.join(what_if)}" if what_if else ""),
        params={k: v for k, v in (doc.get("params") or {}).items() if k not in changed},
        params_files=tuple(declared.get("params") or ()),
        metrics_files=tuple(declared.get("metrics") or ()),
        inputs=inputs,
        outputs=tuple(declared.get("outputs") or ()),
    )


def code_of(repo: GitRepo, doc: RunRecord) -> Checkpoint | None:
    """The original run's code facts, for the rerun's record (None if its HEAD is absent)."""

    if not repo.has_commit(str(doc["code"]["commit"])):
        return None
    return checkpoint_of(doc["code"])


def missing_files(doc: RunRecord, restored: Sequence[str] = ()) -> list[str]:
    """Warnings for files the checkpoint left out that are not restored as inputs.

    ``restored``: the repository-relative paths the inputs were put back at.
    """
    inputs = (*doc["inputs"], *restored)
    out = []
    for item in doc["code"].get("skipped", []):
        path = item["path"]
        if not any(path == i or path.startswith(i.rstrip("/") + "/") for i in inputs):
            out.append(
                f"{path} was not in the run's checkpoint ({item['reason']}); "
                "the rerun ran without it"
            )
    return out


class Judge:
    """Called by the executor with the new record, before it is written."""

    def __init__(
        self, repo: GitRepo, original: RunRecord, tol: Tolerances, what_if: Sequence[str]
    ) -> None:
        self.repo = repo
        self.original = original
        self.tol = tol
        self.what_if = tuple(what_if)
        self.env = EnvDiff()
        self.judgement: Judgement | None = None

    def __call__(self, doc: RunRecord) -> RerunTable:
        self.env = env_difference(self.repo, self.original, doc["env"])
        self.judgement = judge(self.original, doc, self.tol, self.what_if)
        return self.judgement.table(self.env.fields)


def env_difference(repo: GitRepo, original: RunRecord, current: Mapping[str, Any]) -> EnvDiff:
    """How ``current`` (an ``env`` table) differs from the run's recorded environment."""
    recorded = original["env"]
    old = recorded.get("packages", {}).get("digest")
    new = (current.get("packages") or {}).get("digest")
    if old == new:
        return compare_env(recorded, current, None, ())

    listed = read_packages(repo, original) or None
    return compare_env(recorded, current, listed, packages(repo.state_dir)[0].splitlines())


def _place(options: RerunOptions, doc: RunRecord, many: bool) -> tuple[Path, Path | None]:
    """(worktree folder, temporary holder to delete afterwards or None when kept)."""
    if options.keep_in is None:
        holder = Path(tempfile.mkdtemp(prefix="gitml-rerun-"))
        return holder / f"gitml-rerun-{holder.name.rsplit('-', 1)[-1]}", holder
    path = options.keep_in.resolve() / str(doc["id"]) if many else options.keep_in.resolve()
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise UsageError(f"--in {path}: exists and is not an empty folder; choose a new one")
    return path, None


def _execute(
    wt_repo: GitRepo,
    path: Path,
    doc: RunRecord,
    command: tuple[str, ...],
    options: RerunOptions,
    member_judge: Judge,
    code_base: Checkpoint | None,
) -> RunRecord:
    assignment = what_if_assignment(options.overrides)
    declared = doc.get("declared") or {}
    cwd = pathguard.enter_folder(path, str(doc.get("cwd") or "."), where=f"run {doc['id']} cwd")
    ws = open_workspace(wt_repo, cwd, tuple(declared.get("params") or ()))
    request = rerun_request(
        doc,
        command=command,
        assignment=assignment,
        judge=member_judge,
        inputs=request_inputs(path, doc),
    )
    member = Member(
        assignment,
        rerun_name(doc),
        code_base=code_base,
        parent=str(doc["id"]),
        judge=member_judge,
    )
    with Supervisor(stdout=options.stdout) as sup:
        return execute_member(ws, sup, request, member).doc


Started = Callable[["RunRecord", Path], None]


def rerun_run(
    repo: GitRepo,
    doc: RunRecord,
    options: RerunOptions,
    *,
    many: bool = False,
    on_start: Started | None = None,
) -> RerunResult:
    """Rerun one recorded run and record the rerun (see the module doc).

    ``on_start(doc, worktree)`` is called when the worktree and data are ready.
    """
    started = time.perf_counter()
    checkpoint = check_checkpoint(repo, doc)
    command = check_command(doc)
    what_if_assignment(options.overrides)
    member_judge = judge_of(repo, doc, options)
    code_base = code_of(repo, doc)
    path, holder = _place(options, doc, many)
    ran = False
    with interruptible():
        try:
            wt_repo = add_worktree(repo, path, checkpoint)
            restored = restore_inputs(repo, path, run_id=doc["id"], inputs=doc["inputs"])
            unrecorded = restore_unrecorded(path, doc, unrecorded_datasets(repo, doc))
            ran = True
            if on_start is not None:
                on_start(doc, path)
            new_doc = _execute(wt_repo, path, doc, command, options, member_judge, code_base)
        finally:
            if holder is not None or not ran:
                with shielded():
                    remove_worktree(repo, path)
                    if holder is not None:
                        shutil.rmtree(holder, ignore_errors=True)
    judgement = member_judge.judgement
    if judgement is None:  # pragma: no cover - the executor always calls the judge
        raise GitmlError(f"rerun of {doc['id']} was recorded without a verdict")
    elapsed = time.perf_counter() - started
    return RerunResult(
        original=doc,
        doc=new_doc,
        judgement=judgement,
        env=member_judge.env,
        inputs=tuple(restored),
        warnings=(*unrecorded, *missing_files(doc, [r.path for r in restored])),
        worktree=path if holder is None else None,
        overhead_s=max(0.0, elapsed - float(new_doc.get("duration_s") or 0.0)),
    )


def rerun_set(
    repo: GitRepo,
    selection: Selection,
    options: RerunOptions,
    *,
    on_start: Started | None = None,
    on_result: Callable[[RerunResult], None] | None = None,
    on_error: Callable[[RunRecord, str], None] | None = None,
) -> SetOutcome:
    """Rerun every selected run; one that cannot be rerun does not stop the others."""
    outcome = SetOutcome(skipped=list(selection.skipped))
    for doc in selection.runs:
        try:
            result = rerun_run(repo, doc, options, many=True, on_start=on_start)
        except GitmlError as exc:
            if exc.exit_code == 130:
                outcome.interrupted = True
                break
            outcome.errors.append((doc, str(exc)))
            if on_error is not None:
                on_error(doc, str(exc))
            continue
        outcome.results.append(result)
        if on_result is not None:
            on_result(result)
        if result.doc.get("status") == "interrupted":
            outcome.interrupted = True
            break
    return outcome


def plan_runs(repo: GitRepo, docs: Sequence[RunRecord], options: RerunOptions) -> list[RerunPlan]:
    """What rerunning each of ``docs`` would do, without doing it (``--dry-run``)."""
    if not docs:
        return []
    settings = load_settings(repo.workdir)
    return [_plan(repo, doc, options, settings) for doc in docs]


def _current_env(repo: GitRepo, doc: RunRecord, settings: Settings) -> EnvTable:
    """The environment a rerun of ``doc`` would record now: its command's interpreter's."""
    import os

    cwd = repo.workdir / str(doc.get("cwd") or ".")
    interpreter = find_interpreter(
        [str(a) for a in doc.get("command") or ()], cwd, os.environ, repo.state_dir
    )
    return capture_env(repo.state_dir, settings.env_allowlist, interpreter).info


def _plan(repo: GitRepo, doc: RunRecord, options: RerunOptions, settings: Settings) -> RerunPlan:
    current = _current_env(repo, doc, settings)
    checkpoint = doc["code"]["checkpoint"]
    problem = None
    try:
        check_checkpoint(repo, doc)
        check_command(doc)
    except GitmlError as exc:
        problem = str(exc)
    extra = unrecorded_datasets(repo, doc)
    places = locate_inputs(repo, doc, {**extra, **doc["inputs"]})
    for name, digest in extra.items():
        places[name] = f"{places[name]} ({note(digest)})"
    missing = [k for k, v in places.items() if v.startswith("missing")]
    if missing and problem is None:
        digest = {**extra, **doc["inputs"]}[missing[0]]
        problem = f"input '{missing[0]}' ({digest}) is nowhere to be found"
    return RerunPlan(
        doc=doc,
        checkpoint=checkpoint,
        problem=problem,
        inputs=places,
        env=env_difference(repo, doc, current),
        what_if=tuple(o.text for o in options.overrides),
    )


def judge_of(repo: GitRepo, doc: RunRecord, options: RerunOptions) -> Judge:
    """The judge of a rerun of ``doc``: the repository's tolerances, then ``--tolerance``."""
    settings = load_settings(repo.workdir)
    return Judge(
        repo,
        doc,
        tolerances(settings.tolerance, options.tolerances),
        [o.text for o in options.overrides],
    )
