"""``git ml repro``: run what is stale, in DVC's order, each stage a gitml run.

The stages of the plan (``graph.plan``) go through one ``member.PipelineRun``, which skips,
restores or runs each and writes its lock entry. Everything one ``repro`` did is
recorded as a pipeline run (a run record with a ``pipeline`` table) that links each
stage to the run holding its outputs; a repro with nothing to do records nothing. ``-S``
overrides params for the repro; several values make a sweep in which each member is a
pipeline run (in its own worktree with ``--jobs`` above 1). One repro at a time may run
in a work tree.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitml.pipelines.errors import PipelineError
from gitml.pipelines.graph import plan
from gitml.pipelines.member import Notify, PipelineRun, StageResult
from gitml.pipelines.project import Project, open_project
from gitml.pipelines.record import save_pipeline_run
from gitml.pipelines.state import pipelines_dir
from gitml.runs import params as params_mod
from gitml.runs.execute import checkpoint, open_workspace
from gitml.storage.repo import open_repo

if TYPE_CHECKING:
    from gitml.records.shapes import RunRecord
    from gitml.runs.params import Override
    from gitml.runs.supervise import Supervisor
    from gitml.storage.worktree import Checkpoint


@dataclass(frozen=True)
class ReproRequest:
    """What the user asked ``git ml repro`` to do."""

    targets: tuple[str, ...] = ()
    force: bool = False
    single_item: bool = False
    downstream: bool = False
    dry_run: bool = False
    jobs: int = 1
    overrides: tuple[Override, ...] = ()
    name: str | None = None
    message: str | None = None
    best: str | None = None
    argv: tuple[str, ...] = ()


@dataclass
class ReproOutcome:
    """One pipeline run (or dry run): each stage's result and the record written, if any."""

    stages: list[StageResult]
    record: RunRecord | None = None
    exit_code: int = 0
    interrupted: bool = False

    @property
    def executed(self) -> list[StageResult]:
        """Stages that ran or were restored (a stage that failed before running is not)."""
        return [r for r in self.stages if r.action in ("ran", "restored") or r.run]


def _apply_overrides(
    root: Path, project: Project, assignment: Mapping[tuple[str | None, str], Any]
) -> dict[str, str]:
    if not assignment:
        return {}
    files = list(
        dict.fromkeys(p.repo_path for s in project.graph.stages.values() for p in s.params)
    )
    if "params.yaml" not in files and (root / "params.yaml").is_file():
        files.insert(0, "params.yaml")
    files = [f for f in files if (root / f).is_file()]
    return params_mod.plan_overrides(root, files, assignment)


def _user_code(root: Path) -> Checkpoint:
    """The work tree's code as the user left it, before ``-S`` rewrites params files."""

    return checkpoint(open_workspace(open_repo(root), root), "repro")


def plan_order(project: Project, request: ReproRequest) -> list[str]:
    return plan(
        project.graph,
        request.targets,
        downstream=request.downstream,
        single_item=request.single_item,
    )


def run_member(
    root: Path,
    request: ReproRequest,
    sup: Supervisor,
    notify: Notify,
    *,
    assignment: Mapping[tuple[str | None, str], Any] | None = None,
    sweep: str | None = None,
    name: str | None = None,
    code_base: Checkpoint | None = None,
    always_record: bool = False,
    project: Project | None = None,
) -> ReproOutcome:
    """One pipeline run of the work tree at ``root`` (params overridden by ``assignment``)."""

    project = project or open_project(root)
    new_docs = _apply_overrides(project.root, project, assignment or {})
    if new_docs and code_base is None and not request.dry_run:
        code_base = _user_code(project.root)  # an override is a param, never a dirty tree
    with params_mod.overridden(project.root, new_docs):
        if new_docs:
            project = open_project(root)
        order = plan_order(project, request)
        member = PipelineRun(
            project=project,
            request=request,
            sup=sup,
            notify=notify,
            sweep=sweep,
            name=name,
            code_base=code_base,
        )
        if request.dry_run:
            member.dry_run(order)
            return ReproOutcome([member.results[a] for a in order])
        started = datetime.now(UTC)
        member.run_plan(order)
        ended = datetime.now(UTC)
        member.state.save()
        results = [member.results[a] for a in order]
        outcome = ReproOutcome(results, interrupted=sup.interrupted)
        failed = next((r for r in results if r.action == "failed"), None)
        outcome.exit_code = 130 if sup.interrupted else (failed.exit_code or 1) if failed else 0
        if outcome.executed or always_record:
            member.producing_runs()

            outcome.record = save_pipeline_run(member, order, started, ended, outcome.exit_code)
    return outcome


@contextmanager
def exclusive_repro(project: Project) -> Iterator[None]:
    """Hold this work tree's repro lock: two repros would delete each other's outputs."""
    import os
    import sys

    folder = pipelines_dir(project.ws.gitdir)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / "repro.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if sys.platform != "win32":
            import fcntl

            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise PipelineError(
                    f"another `git ml repro` is running in {project.root}; wait for it to "
                    "finish (or run in a separate worktree)"
                ) from None
        yield
    finally:
        os.close(fd)
