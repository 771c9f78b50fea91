"""The pipeline run: one run record per ``repro`` that ties its stages together.

It is a ``gitml/run/1`` record whose command is the ``git ml repro`` line and whose
``pipeline`` table lists the planned stages in order with what each did (ran,
restored, skipped, failed, not-run, frozen) and the run that holds its outputs. Its
params are the union of the stages' params, its metrics those of the stage files'
metrics files, its inputs the dependencies no stage writes (the raw data and code),
its outputs every stage output, and ``pipeline.plots`` the plots the files declare, so
pipeline runs compare, query and plot like any other run.
"""

from __future__ import annotations

import platform
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from gitml.errors import GitmlError
from gitml.pipelines.plotdefs import plot_of
from gitml.pipelines.stagerun import shell_command, stage_params
from gitml.records import ids
from gitml.runs.env import capture_env
from gitml.runs.execute import identity, store
from gitml.runs.interpreter import find_interpreter
from gitml.runs.metrics import merge_events, read_metrics_file
from gitml.runs.record import RunFacts, Status, build_record
from gitml.runs.redact import redact_command, redact_params, redact_text

if TYPE_CHECKING:
    from gitml.pipelines.member import PipelineRun
    from gitml.records.shapes import Params, PipelinePlotTable, PipelineTable, RunRecord
    from gitml.runs.interpreter import Interpreter
    from gitml.runs.metrics import MetricEvent


def _metrics(member: PipelineRun, order: Sequence[str]) -> list[MetricEvent]:
    project = member.project
    files = [m for f in project.files for m in f.metrics]
    for address in order:
        files.extend(o.repo_path for o in project.stage(address).outs if o.kind == "metrics")
    events: list[list[MetricEvent]] = []
    for rel in dict.fromkeys(files):
        path = project.root / rel
        if path.is_file():
            try:
                events.append(read_metrics_file(path, rel))
            except GitmlError:
                continue
    return merge_events(*events)


def _plots(member: PipelineRun, order: Sequence[str]) -> list[PipelinePlotTable]:
    project = member.project
    plots = [p.as_dict() for f in project.files for p in f.plots]
    for address in order:
        for out in project.stage(address).outs:
            if out.kind == "plots":
                plots.append(plot_of(out).as_dict())
    return plots


def _interpreter(member: PipelineRun, order: Sequence[str]) -> Interpreter:
    """The interpreter the pipeline's first stage runs (its environment is the record's)."""
    import os

    project = member.project
    command = next((shell_command(project.stage(a)) for a in order), ())
    state_dir = member.open_repo().state_dir
    return find_interpreter(command, project.root, os.environ, state_dir)


def save_pipeline_run(
    member: PipelineRun, order: Sequence[str], started: datetime, ended: datetime, exit_code: int
) -> RunRecord:
    """Write the pipeline run of ``member`` and return its record."""

    project = member.project
    repo = member.open_repo()
    runner = member.stage_runner()
    code = runner.checkpoint()
    settings = project.ws.settings
    env = capture_env(repo.state_dir, settings.env_allowlist, _interpreter(member, order))
    graph = project.graph
    params: Params = {}
    inputs: dict[str, str] = {}
    outputs: dict[str, str] = {}
    for address in order:
        st = member.states.get(address)
        if st is None:
            continue
        stage = st.stage
        params.update(stage_params(stage, st.params))
        for dep in stage.deps:
            info = member.state.info(dep.repo_path)
            if info is not None and graph.producer(dep.repo_path) is None:
                inputs[dep.repo_path] = info.digest
        for out in stage.outs:
            info = member.state.info(out.repo_path)
            if info is not None:
                outputs[out.repo_path] = info.digest
    results = [member.results[a] for a in order]
    if member.sup.interrupted:
        status = Status.INTERRUPTED
    elif any(r.action == "failed" for r in results):
        status = Status.FAILED
    else:
        status = Status.COMPLETED
    events = _metrics(member, order)
    pipeline: PipelineTable = {
        "files": [f.path for f in project.files],
        "stages": [r.table() for r in results],
    }
    if member.request.targets:
        pipeline["targets"] = list(member.request.targets)
    plots = _plots(member, order)
    if plots:
        pipeline["plots"] = plots

    started, ended = (t.replace(microsecond=t.microsecond // 1000 * 1000) for t in (started, ended))
    facts = RunFacts(
        id=member.pipeline_id,
        name=member.name or ids.new_name(),
        status=status,
        started=started,
        ended=ended,
        exit_code=exit_code,
        command=redact_command(["git", "ml", "repro", *member.request.argv]),
        cwd=".",
        user=identity(repo),
        host=platform.node(),
        code=code,
        env=env.info,
        message=redact_text(member.request.message) if member.request.message else None,
        sweep=member.sweep,
        params=redact_params(params, by_key=False),
        events=events,
        inputs=inputs,
        outputs=outputs,
        pipeline=pipeline,
    )
    return store(repo, settings, build_record(facts), events=events, environment=env)
