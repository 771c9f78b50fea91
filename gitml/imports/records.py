"""Writing imported history: runs in batches, versions one by one, stages on a branch.

Imported runs get ids derived from the original (its start time and a hash of its id),
so a second import finds them: ``write_runs`` skips records already on the ref and
commits the rest of a batch at once (one commit per batch, so an interrupted import
keeps every finished batch). Imported runs are not linked to code checkpoints (the commits
they name may not be in this repository); each batch brings the notes up to date in one
commit (``runs.notes``), which gives a line only to runs whose code commit is here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import xxhash

from gitml.config import STAGES_FILE
from gitml.errors import GitmlError
from gitml.records import codec, ids
from gitml.records.limits import MAX_HISTORY_BYTES
from gitml.records.validator import validate
from gitml.registry import stagefile
from gitml.registry.register import VersionExists, register
from gitml.runs.metrics import (
    MetricEvent,
    dump_history,
    merge_events,
    summarise,
    thin_history,
)
from gitml.runs.notes import note_runs
from gitml.runs.paths import NAME_RE, history_path, runs_collection
from gitml.runs.record import dump_record
from gitml.storage.tracked import commit_file, create_branch, find_branch_commit, head, read_file_at

if TYPE_CHECKING:
    from gitml.records.shapes import CodeTable, JsonObject, MediaTable, RunRecord, RunStatus
    from gitml.storage.repo import GitRepo

NULL_SHA = "0" * 40
SOURCE_TAG = "gitml.import.source"
ORIGINAL_ID_TAG = "gitml.import.id"
_SHA = re.compile(r"[0-9a-f]{40}")


@dataclass
class ImportSummary:
    """What an import did (``--json`` prints it)."""

    source: str
    runs: int = 0
    skipped: int = 0
    versions: int = 0
    versions_skipped: int = 0
    stage_branch: str | None = None
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> JsonObject:
        return asdict(self)


def stable_id(start_ms: int, original: str) -> str:
    """The gitml id of an imported record: its start time and a hash of its original id."""
    digest = xxhash.xxh3_128_intdigest(original.encode("utf-8")) >> 48
    return ids.encode_base32(max(0, start_ms) & ((1 << 48) - 1), 10) + ids.encode_base32(
        digest & ((1 << 80) - 1), 16
    )


def run_name(text: str, fallback: str) -> str:
    """A valid run name from another tool's (characters gitml refuses become '-')."""
    cleaned = re.sub(r"[^A-Za-z0-9._+-]+", "-", text).strip("-._+")[:64]
    return cleaned if cleaned and NAME_RE.fullmatch(cleaned) else fallback


def code_of(commit: str | None) -> CodeTable:
    """The ``code`` table of an imported run (the null id when no commit is known)."""
    sha = commit if commit and _SHA.fullmatch(commit) else NULL_SHA
    return {"commit": sha, "checkpoint": sha, "dirty": False, "untracked": []}


def millis_time(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def build_run(
    *,
    run_id: str,
    name: str,
    status: RunStatus,
    started_ms: int,
    ended_ms: int,
    command: Sequence[str],
    user: str,
    commit: str | None,
    params: Mapping[str, Any],
    events: Sequence[MetricEvent],
    tags: Mapping[str, str],
    parent: str | None = None,
    outputs: Mapping[str, str] | None = None,
    media: Sequence[MediaTable] = (),
) -> tuple[RunRecord, bytes | None]:
    """An imported run record and its history blob (every value kept, same steps too)."""

    started = millis_time(started_ms)
    ended = millis_time(max(ended_ms, started_ms))
    merged = merge_events(sorted(events, key=lambda e: (e.name, e.step, e.timestamp or 0)))
    metrics, stats = summarise(merged, merged=True)
    doc: RunRecord = {
        "schema": "gitml/run/1",
        "id": run_id,
        "name": name,
        "status": status,
        "started": started,
        "ended": ended,
        "duration_s": round((ended - started).total_seconds(), 3),
        "exit_code": {"completed": 0, "failed": 1}.get(status, 130),
        "command": list(command) or ["(imported)"],
        "cwd": ".",
        "user": {"name": user, "email": ""},
        "host": "",
        "params": {k: v for k, v in params.items() if v is not None},
        "metrics": metrics,
        "metric_stats": stats,
        "code": code_of(commit),
        "inputs": {},
        "outputs": dict(outputs or {}),
        "tags": dict(tags),
        "env": {},
    }
    if parent is not None:
        doc["parent"] = parent
    if media:
        doc["media"] = list(media)
    ordered = sorted(events, key=lambda e: (e.name, e.step, e.timestamp or 0))
    history = dump_history(ordered, merged=True) if ordered else None
    built: RunRecord = codec.canonical(doc)
    return built, history


def existing_ids(repo: GitRepo, wanted: Sequence[str]) -> set[str]:
    """Which of ``wanted`` run ids are recorded already."""
    collection = runs_collection(repo)
    snap = collection.snapshot()
    return {i for i in wanted if snap.exists(collection.record_path(i))}


def write_runs(
    repo: GitRepo, batch: Sequence[tuple[RunRecord, bytes | None]], message: str
) -> None:
    """Validate and commit a batch of run records (with their histories) at once."""
    if not batch:
        return
    collection = runs_collection(repo)
    files: dict[str, bytes | None] = {}
    written: dict[str, RunRecord] = {}
    for doc, history in batch:
        path = collection.record_path(str(doc["id"]))
        validate(doc, "run", where=path)
        files[path] = dump_record(doc)
        written[path] = doc
        if history is not None:
            # as save_run keeps it: a history over the limit is thinned, not refused
            files[history_path(path)] = thin_history(history, MAX_HISTORY_BYTES)
    collection.write(lambda _snap: files, message)
    note_runs(repo, known=written)


def stage_branch(
    repo: GitRepo,
    changes: Sequence[tuple[str, Mapping[str, Mapping[str, Any]], str]],
    *,
    name: str,
) -> str | None:
    """Commit each ``(message, assignments, when)`` as a change of ``.gitml/stages.toml``
    on a new branch ``name`` from HEAD, in order; ``None`` when nothing changes.

    ``assignments`` are ``{model: {stage: version or [versions]}}`` merged into the file as
    it stands after the previous commit. Merging the branch (fast-forward, so each change
    stays on the first-parent history) and ``git ml registry apply`` record the events.
    """

    tip, _branch = head(repo)
    if tip is None or not changes:
        return None
    current = read_file_at(repo, tip, STAGES_FILE)
    parsed = stagefile.parse(current) if current is not None else stagefile.ParsedStages()
    assignments = {m: dict(s) for m, s in parsed.assignments.items()}
    last = stagefile.dumps(parsed)
    for message, wanted, when in changes:
        for model, stages in wanted.items():
            table = assignments.setdefault(model, {})
            for stage, value in stages.items():
                if value is None:
                    table.pop(stage, None)
                else:
                    table[stage] = tuple(value) if isinstance(value, list | tuple) else str(value)
        text = stagefile.dumps(stagefile.ParsedStages(assignments, parsed.header))
        if text == last:
            continue
        last = text
        tip = commit_file(repo, tip, STAGES_FILE, text.encode("utf-8"), f"{message}\n\n{when}\n")
    if tip == head(repo)[0]:
        return None
    existing = find_branch_commit(repo, name)
    if existing is not None:
        if read_file_at(repo, existing, STAGES_FILE) == last.encode("utf-8"):
            return None  # imported before: the branch ends with the same assignments

        raise GitmlError(
            f"branch {name!r} exists with other stage assignments (an earlier import); "
            f"merge or delete it (`git branch -D {name}`) and import again"
        )
    create_branch(repo, name, tip)
    return name


def register_version(repo: GitRepo, request: Any, summary: ImportSummary, label: str) -> None:
    """Register one imported version, counting it (or its failure) in ``summary``."""

    try:
        register(repo, request)
    except VersionExists:
        summary.versions_skipped += 1
    except GitmlError as exc:
        summary.problems.append(f"{label}: not registered: {exc}")
    else:
        summary.versions += 1
