"""Runs a command started inside its own run (``start_run(nested=True)``, MLflow's nested
runs, each Optuna trial): recorded by ``git ml run`` beside the command's run.

Each reported its start on the command's spool (``r`` lines: id, name, parent, sweep, start
time) and wrote its values to a spool of its own; it shares the command's code, data and
environment. A nested run that never said it ended takes the command's status and end time.
The run a sweep marks best (the parent's ``gitml.best_run`` tag) gets ``gitml.best = true``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from gitml.records import ids
from gitml.runs.attached import ingest, remove_staged
from gitml.runs.metrics import MetricEvent, merge_events
from gitml.runs.paths import NAME_RE
from gitml.runs.record import RunFacts, Status
from gitml.runs.spool import SpoolData, read_spool

BEST_RUN_TAG = "gitml.best_run"
BEST_TAG = "gitml.best"


def _time(text: Any, default: datetime) -> datetime:
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        return default


def _status(end: Mapping[str, Any] | None, default: Status) -> Status:
    try:
        return Status(str((end or {}).get("status", default)))
    except ValueError:
        return default


def events_of(reported: SpoolData) -> list[MetricEvent]:
    """The metric events a spool reported, one per (metric, step)."""
    return merge_events(MetricEvent(*m) for m in reported.metrics)


def nested_facts(
    command: RunFacts, spool: Path, children: Sequence[Mapping[str, Any]], *, workdir: Path
) -> tuple[list[tuple[RunFacts, list[MetricEvent]]], list[str]]:
    """``([(facts, events)], problems)`` of the nested runs a command reported.

    Ids that are not gitml run ids, and parents that are neither the command's run nor
    another reported run, are refused (a problem line each), never guessed.
    """
    known = {command.id}
    out: list[tuple[RunFacts, list[MetricEvent]]] = []
    problems: list[str] = []
    best_by_parent = {command.id: command.tags.get(BEST_RUN_TAG)}
    for child in children:
        run_id, parent = str(child.get("id", "")), str(child.get("parent", ""))
        if not ids.is_id(run_id) or run_id in known or parent not in known:
            problems.append(f"nested run {run_id!r}: not recorded (bad id or unknown parent)")
            continue
        known.add(run_id)
        reported = read_spool(f"{spool}.{run_id}")
        outputs, media, file_problems = ingest(reported.files, workdir)
        problems += file_problems
        tags = dict(reported.tags)
        best_by_parent[run_id] = tags.get(BEST_RUN_TAG)
        events = events_of(reported)
        sweep = child.get("sweep")
        facts = command._replace(
            id=run_id,
            name=_name(child.get("name")),
            status=_status(reported.end, command.status),
            started=_time(child.get("started"), command.started),
            ended=_time((reported.end or {}).get("ended"), command.ended),
            exit_code=0
            if reported.end and reported.end.get("status") == "completed"
            else command.exit_code,
            message=None,
            parent=parent,
            sweep=str(sweep) if sweep and ids.is_id(str(sweep)) else None,
            params=reported.params,
            events=events,
            tags=tags,
            outputs=outputs,
            media=media,
            declared={},
            stage=None,
            pipeline=None,
        )
        out.append((facts, events))
    return [(_marked(f, best_by_parent), e) for f, e in out], problems


def _name(text: Any) -> str:
    return str(text) if isinstance(text, str) and NAME_RE.fullmatch(text) else ids.new_name()


def _marked(facts: RunFacts, best_by_parent: Mapping[str, str | None]) -> RunFacts:
    if facts.parent is not None and best_by_parent.get(facts.parent) == facts.id:
        return facts._replace(tags={**facts.tags, BEST_TAG: "true"})
    return facts


def remove_spools(spool: Path, children: Sequence[Mapping[str, Any]]) -> None:
    """Delete the nested runs' spools and the staged files of every run of the command."""
    for child in children:
        with contextlib.suppress(OSError, ValueError):
            Path(f"{spool}.{child.get('id', '')}").unlink()
    remove_staged(Path(f"{spool}.files"))
