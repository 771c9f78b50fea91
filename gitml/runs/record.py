"""The run record: one canonical TOML document per run (``schema = "gitml/run/1"``).

Its JSON form (dates as ISO 8601 strings) is what queries, ``--json`` and later tools
see: id, name, status, started, ended, duration_s, exit_code, command, cwd, message,
user, host, parent, sweep, params (flat dotted keys), metrics (last values),
metric_stats, code, inputs, outputs, tags, env; ``declared`` (the metrics, params and
output files named on the command line) when there were any, ``rerun`` (the verdict
of a rerun, whose ``parent`` is the run it reproduced), ``stage`` (a pipeline stage's
run), ``pipeline`` (a pipeline run: what each of its stages did), ``study`` (a search's
parent run: the search and its trials, ``gitml.runs.study``) and ``media`` (figures,
images, tables, text and plots the run logged, each cached under its name in ``outputs``).
A nested run's ``parent`` is the run it ran inside.
"""

import json
import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any, Final, NamedTuple

from gitml.records import codec
from gitml.records.stand_ins import (
    CodeTable,
    DeclaredTable,
    EnvTable,
    JsonObject,
    LeftOutTable,
    MediaTable,
    PersonTable,
    PipelineTable,
    RerunTable,
    RunRecord,
    StageTable,
    StudyTable,
)
from gitml.runs.metrics import MetricEvent, summarise
from gitml.storage.worktree import Checkpoint

SCHEMA: Final = "gitml/run/1"
MAX_LISTED = 1000
HEADLINE_METRICS = 3


class Status(StrEnum):
    COMPLETED = "completed"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


class RunFacts(NamedTuple):
    """Everything known about a finished run (``events`` as ``merge_events`` returns)."""

    id: str
    name: str
    status: Status
    started: datetime
    ended: datetime
    exit_code: int
    command: Sequence[str]
    cwd: str
    user: PersonTable
    host: str
    code: Checkpoint
    env: EnvTable
    message: str | None = None
    parent: str | None = None
    sweep: str | None = None
    params: Mapping[str, Any] = {}
    events: Sequence[MetricEvent] = ()
    tags: Mapping[str, str] = {}
    inputs: Mapping[str, str] = {}
    outputs: Mapping[str, str] = {}
    declared: DeclaredTable | None = None
    stage: StageTable | None = None  # a pipeline stage's run: which stage, which key
    pipeline: PipelineTable | None = None  # a pipeline run: its stages and what each did
    study: StudyTable | None = None  # a search's parent run: the study and its trials
    media: Sequence[MediaTable] = ()  # figures, images, tables... stored under names


def _listed(paths: Sequence[str]) -> list[str]:
    return list(paths[:MAX_LISTED])


def _left_out(path: str, reason: str) -> LeftOutTable:
    return {"path": path, "reason": reason}


def code_table(code: Checkpoint) -> CodeTable:
    stat = code.stat()
    table: CodeTable = {
        "commit": code.commit,
        "checkpoint": code.checkpoint,
        "dirty": code.dirty,
        "untracked": _listed(code.untracked),
        "modified": _listed(code.modified),
        "skipped": [_left_out(s.path, s.reason) for s in code.skipped[:MAX_LISTED]],
        "withheld": [_left_out(s.path, s.reason) for s in code.withheld[:MAX_LISTED]],
        "diffstat": {
            "files": stat.files,
            "insertions": stat.insertions,
            "deletions": stat.deletions,
        },
    }
    if code.branch is not None:
        table["branch"] = code.branch
    if len(code.untracked) > MAX_LISTED:
        table["untracked_count"] = len(code.untracked)
    if len(code.modified) > MAX_LISTED:
        table["modified_count"] = len(code.modified)
    return table


def build_record(facts: RunFacts, *, rerun: RerunTable | None = None) -> RunRecord:
    """The record document of ``facts`` (not yet serialised); ``rerun``: a rerun's verdict."""
    metrics, stats = summarise(facts.events, merged=True)
    duration = max(0.0, (facts.ended - facts.started).total_seconds())
    doc: RunRecord = {
        "schema": SCHEMA,
        "id": facts.id,
        "name": facts.name,
        "status": facts.status.value,
        "started": facts.started,
        "ended": facts.ended,
        "duration_s": round(duration, 3),
        "exit_code": facts.exit_code,
        "command": list(facts.command),
        "cwd": facts.cwd,
        "user": facts.user,
        "host": facts.host,
        "params": dict(facts.params),
        "metrics": metrics,
        "metric_stats": stats,
        "code": code_table(facts.code),
        "inputs": dict(facts.inputs),
        "outputs": dict(facts.outputs),
        "tags": dict(facts.tags),
        "env": facts.env,
    }
    if facts.message:
        doc["message"] = facts.message
    if facts.parent is not None:
        doc["parent"] = facts.parent
    if facts.sweep is not None:
        doc["sweep"] = facts.sweep
    if facts.declared:
        doc["declared"] = facts.declared
    if rerun is not None:
        doc["rerun"] = rerun
    if facts.stage is not None:
        doc["stage"] = facts.stage
    if facts.pipeline is not None:
        doc["pipeline"] = facts.pipeline
    if facts.study is not None:
        doc["study"] = facts.study
    if facts.media:
        doc["media"] = list(facts.media)
    built: RunRecord = codec.canonical(doc)
    return built


def declared_table(
    *, metrics: Sequence[str], params: Sequence[str], outputs: Sequence[str]
) -> DeclaredTable:
    """The files a run was told about (metrics, params and output files), those named."""
    found: DeclaredTable = {}
    if metrics:
        found["metrics"] = list(metrics)
    if params:
        found["params"] = list(params)
    if outputs:
        found["outputs"] = list(outputs)
    return found


def dump_record(doc: Mapping[str, Any]) -> bytes:
    return codec.dump_bytes(doc)


_OPTIONAL_TOP = ("message", "parent", "sweep", "rerun", "stage", "pipeline", "study")
_TABLES = ("params", "metrics", "metric_stats", "inputs", "outputs", "tags", "env")


def to_json(doc: Mapping[str, Any]) -> JsonObject:
    """The ``--json`` form: every contract key present (``null`` where unset)."""
    out: JsonObject = codec.to_jsonable(dict(doc))
    for key in _OPTIONAL_TOP:
        out.setdefault(key, None)
    for key in _TABLES:
        out.setdefault(key, {})
    code = out.setdefault("code", {})
    code.setdefault("branch", None)
    code.setdefault("untracked", [])
    return out


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(float(f"{value:.6g}")) if math.isfinite(value) else json.dumps(str(value))
    return json.dumps(str(value), ensure_ascii=False)


def _toml_key(key: str) -> str:
    bare = key.replace("_", "").replace("-", "").isalnum() and key.isascii()
    return key if bare else json.dumps(key, ensure_ascii=False)


def headline(doc: RunRecord, limit: int = HEADLINE_METRICS) -> dict[str, float]:
    metrics = doc["metrics"]
    return {k: metrics[k] for k in sorted(metrics)[:limit]}


def format_number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def summary_line(doc: RunRecord) -> str:
    """``run 01J… brisk-otter completed acc=0.91``: the one readable line."""
    parts = [f"run {doc['id']} {doc['name']} {doc['status']}"]
    if doc["status"] == "failed":
        parts.append(f"exit={doc['exit_code']}")
    parts.extend(f"{k}={format_number(v)}" for k, v in headline(doc).items())
    return " ".join(parts)


def note_line(doc: RunRecord) -> str:
    """``<id> = { name = "...", status = "...", acc = 0.91 }`` (inline TOML, one line)."""
    fields = {"name": doc["name"], "status": doc["status"], **headline(doc)}
    inner = ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in fields.items())
    return f"{doc['id']} = {{ {inner} }}"


def commit_message(doc: RunRecord) -> str:
    code = doc["code"]
    trailers = [
        f"Gitml-Run: {doc['id']}",
        f"Gitml-Status: {doc['status']}",
        f"Gitml-Code-Commit: {code['commit']}",
        f"Gitml-Checkpoint: {code['checkpoint']}",
    ]
    if "sweep" in doc:
        trailers.append(f"Gitml-Sweep: {doc['sweep']}")
    return summary_line(doc) + "\n\n" + "\n".join(trailers) + "\n"
