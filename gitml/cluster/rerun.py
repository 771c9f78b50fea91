"""``git ml rerun --on ray``: reruns on the cluster, judged and recorded by the driver.

Each selected run is checked here as a local rerun is (checkpoint present, command
complete); its inputs, and the datasets its checkpoint names that it did not record,
become files to put back by digest; the checkpoints travel in one pack. A ``--set``
what-if is planned here in a temporary worktree of the checkpoint, so the record's code
names a commit this repository holds. The node runs the command; the driver judges the new
record against the original before writing it, exactly as a local rerun does.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from gitml.cluster.connect import connect
from gitml.cluster.pool import RayPool
from gitml.cluster.shipment import Shipment, build_shipment, input_files
from gitml.cluster.worker import Task
from gitml.config import load_settings
from gitml.errors import GitmlError, UsageError
from gitml.objects.pathguard import enter_folder
from gitml.records import ids
from gitml.rerun.replay import (
    Judge,
    RerunOptions,
    code_of,
    judge_of,
    missing_files,
    rerun_name,
    rerun_request,
    what_if_assignment,
)
from gitml.rerun.report import RerunResult, SetOutcome
from gitml.rerun.select import Selection, check_checkpoint, check_command
from gitml.rerun.unrecorded import unrecorded_datasets
from gitml.runs import params as params_mod
from gitml.runs.code import with_overrides
from gitml.runs.dispatch import GridPlan
from gitml.runs.execute import Member, RunRequest, Workspace, identity
from gitml.runs.pool import Job, drive
from gitml.runs.supervise import Supervisor
from gitml.storage.repo import GitRepo
from gitml.storage.worktree import Checkpoint, temporary_worktree

if TYPE_CHECKING:
    from gitml.records.shapes import RunRecord


@dataclass
class Planned:
    """One rerun, planned: the original, its judge, and the task a node runs."""

    doc: RunRecord
    judge: Judge
    task: Task
    warnings: tuple[str, ...]


def _what_if_code(
    repo: GitRepo, doc: Mapping[str, Any], base: Checkpoint, assignment: Mapping[Any, Any]
) -> Checkpoint:
    """The checkpoint with ``--set``'s params files, planned in a temporary worktree."""
    if not assignment:
        return base

    with temporary_worktree(repo, base.checkpoint, prefix="gitml-plan-") as wt:
        cwd = enter_folder(wt.workdir, str(doc.get("cwd") or "."), where=f"run {doc['id']} cwd")
        declared = tuple((doc.get("declared") or {}).get("params") or ())
        files = params_mod.find_params_files(
            cwd, (*load_settings(wt.workdir).params_files, *declared)
        )
        texts = params_mod.plan_overrides(cwd, files, assignment)
        return with_overrides(wt, base, cwd=cwd, new_texts=texts, run_id=str(doc["id"]))


def plan_rerun(
    repo: GitRepo, doc: RunRecord, options: RerunOptions, template: RunRequest
) -> tuple[Planned, dict[str, str]]:
    """(the planned rerun, the input files its node must put back)."""
    checkpoint = check_checkpoint(repo, doc)
    command = check_command(doc)
    assignment = what_if_assignment(options.overrides)
    judge = judge_of(repo, doc, options)
    base = code_of(repo, doc) or Checkpoint(
        commit=checkpoint, checkpoint=checkpoint, branch=None, dirty=False
    )
    code = _what_if_code(repo, doc, base, assignment)
    inputs = {**unrecorded_datasets(repo, doc), **(doc.get("inputs") or {})}
    files, outside = input_files(repo, checkpoint, inputs)
    declared = doc.get("declared") or {}
    request = rerun_request(
        doc, command=command, assignment=assignment, judge=judge, inputs=(), template=template
    )
    member = Member(
        assignment,
        rerun_name(doc),
        code=code,
        code_has_overrides=True,
        parent=str(doc["id"]),
        judge=judge,
        run_id=ids.new_id(),
        user=identity(repo),
        inputs=dict(doc.get("inputs") or {}),
    )
    cwd = str(doc.get("cwd") or ".")
    task = Task(
        member=member,
        request=request,
        commit=checkpoint,
        cwd=cwd,
        params_files=tuple(declared.get("params") or ()),
        files=files,
        outside=tuple(outside),
    )
    warnings = tuple(missing_files(doc, list(inputs)))
    return Planned(doc=doc, judge=judge, task=task, warnings=warnings), files


class RerunPlanner:
    """Hands the pool the planned task of each job (jobs are numbered as ``planned``)."""

    def __init__(self, planned: list[Planned], control: str) -> None:
        self.planned = planned
        self.control = control

    def __call__(self, job: Job) -> Task:
        task = self.planned[job.index].task
        member = job.member
        if member.run_id != task.member.run_id:  # a new attempt
            task = replace(task, member=task.member._replace(run_id=member.run_id))
        return replace(
            task, member=task.member._replace(judge=None, finish=None), control=self.control
        )


def rerun_on_cluster(
    repo: GitRepo,
    selection: Selection,
    options: RerunOptions,
    *,
    on: str,
    retries: int = 0,
    on_result: Callable[[RerunResult], None] | None = None,
    on_error: Callable[[RunRecord, str], None] | None = None,
) -> SetOutcome:
    """Rerun every selected run on the cluster ``on`` names (see the module doc)."""
    if options.keep_in is not None:
        raise UsageError("--in keeps a local worktree; it does not go with --on")

    connect(on)
    outcome = SetOutcome(skipped=list(selection.skipped))
    template = RunRequest(command=("true",), on=on, retries=retries)
    planned: list[Planned] = []
    files: dict[str, str] = {}
    for doc in selection.runs:
        try:
            one, needed = plan_rerun(repo, doc, options, template)
        except GitmlError as exc:
            outcome.errors.append((doc, str(exc)))
            if on_error is not None:
                on_error(doc, str(exc))
            continue
        planned.append(one)
        files.update(needed)
    if not planned:
        return outcome
    ws = Workspace(
        repo=repo, settings=load_settings(repo.workdir), cwd=repo.workdir, params_files=()
    )
    commits = [p.task.commit for p in planned]

    def planner(control: str) -> tuple[RerunPlanner, Shipment]:
        return RerunPlanner(planned, control), build_shipment(repo, commits, files)

    started = time.perf_counter()
    with Supervisor() as sup:
        pool = RayPool(ws, template, planner=planner)
        try:
            plan = GridPlan([p.task.member for p in planned])
            result = drive(pool, plan, sup, retries=retries)
        finally:
            pool.close()
        outcome.interrupted = sup.interrupted
    for index, item in enumerate(planned):
        done = [o for i, o in result.outcomes if i == index]
        if not done or item.judge.judgement is None:
            why = next((e for e in result.errors if e.startswith(f"{item.task.member.name}:")), "")
            message = why.partition(": ")[2] or "the rerun did not finish"
            outcome.errors.append((item.doc, message))
            if on_error is not None:
                on_error(item.doc, message)
            continue
        result_one = RerunResult(
            original=item.doc,
            doc=done[-1].doc,
            judgement=item.judge.judgement,
            env=item.judge.env,
            warnings=item.warnings,
            overhead_s=max(0.0, time.perf_counter() - started - float(doc.get("duration_s") or 0)),
        )
        outcome.results.append(result_one)
        if on_result is not None:
            on_result(result_one)
    return outcome
