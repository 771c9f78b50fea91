"""Registry queries: ``model ls``, ``show``, ``history`` and ``get`` (all from the index).

Stages shown by ``show``/``get`` are the *applied* ones (replayed from the event log on
``refs/gitml/registry``, which is what deployments follow); ``show`` also reports where
``.gitml/stages.toml`` in the work tree wants something else (pending until applied).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING, Any, NamedTuple

from gitml.config import STAGES_FILE, Settings
from gitml.errors import GitmlError, RecordNotFound, UsageError
from gitml.registry import records as rec
from gitml.registry.names import check_model_name, latest, parse_version, version_sort_key
from gitml.registry.stagefile import (
    Assignments,
    InvalidStages,
    Transition,
    apply_transition,
    parse,
    versions_of,
)
from gitml.registry.store import (
    RegistryIndex,
    get_version,
    open_index,
    registry_collection,
    versions_in,
)
from gitml.storage.repo import GitRepo

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject, ModelVersionRecord, StageEventRecord, Timestamp

REF_RE = re.compile(r"(?P<model>[^@:]+)(?:@(?P<stage>[^@:]+)|:(?P<version>[^@:]+))?")


def replay(events: Iterable[Mapping[str, Any]], terminal: Iterable[str]) -> Assignments:
    """Assignments after ``events`` in replay order (model, seq, id)."""
    final = set(terminal)
    state: Assignments = {}
    for e in sorted(events, key=lambda d: (d["model"], d["seq"], d["id"])):
        t = Transition(
            model=e["model"],
            stage=e["stage"],
            action=e["action"],
            version=e["version"],
            previous=e.get("previous"),
        )
        apply_transition(state, t, e["stage"] in final)
    return state


def stages_json(stages: Mapping[str, Any], settings: Settings) -> JsonObject:
    """stage -> version (terminal stages -> list), in configured stage order."""
    order = {s: i for i, s in enumerate(settings.stages)}
    out: JsonObject = {}
    for stage in sorted(stages, key=lambda s: (order.get(s, len(order)), s)):
        value = stages[stage]
        out[stage] = list(value) if isinstance(value, tuple) else value
    return out


def _version_stages(version: str, stages: Mapping[str, Any]) -> list[str]:
    return [s for s, v in stages.items() if version in versions_of(v)]


def _summary(doc: ModelVersionRecord, stages: Mapping[str, Any]) -> JsonObject:
    return {
        "version": doc["version"],
        "run": doc["run"]["id"],
        "run_name": doc["run"]["name"],
        "artifact": doc.get("artifact"),
        "created": doc["created"],
        "author": doc["author"],
        "description": doc.get("description"),
        "tags": doc["tags"],
        "stages": _version_stages(doc["version"], stages),
        "metrics": doc["metrics"],
        "params": doc["params"],
        "code": doc["code"],
        "inputs": doc["inputs"],
        "outputs": doc["outputs"],
        "id": doc["id"],
    }


def list_models(repo: GitRepo, settings: Settings) -> list[JsonObject]:
    with open_index(repo) as index:
        summaries = index.version_summaries()
        names = index.version_names()
        models = [m for m, _n, _c in summaries]
        state = index.state(models, settings.stages, settings.terminal_stages)
    out = []
    for model, count, updated in summaries:
        top = latest(names.get(model, ()))
        out.append(
            {
                "name": model,
                "versions": count,
                "latest": top.text if top else None,
                "stages": stages_json(state.get(model, {}), settings),
                "updated": updated,
            }
        )
    return out


def _require_model(index: RegistryIndex, model: str) -> list[ModelVersionRecord]:
    check_model_name(model)
    versions = index.versions(model)
    if not versions:
        raise RecordNotFound(
            f"model {model!r} is not registered; `git ml model ls` lists models, "
            f"`git ml model register {model} --run RUN` adds one"
        )
    return versions


def pending_changes(
    repo: GitRepo, settings: Settings, model: str, applied: Mapping[str, Any]
) -> JsonObject:
    """Stages where the work tree's ``.gitml/stages.toml`` differs from the applied state."""
    try:
        path = repo.workdir / STAGES_FILE
    except GitmlError:
        return {}
    if not path.is_file():
        return {}
    try:
        wanted = parse(path.read_bytes(), settings=settings).assignments.get(model, {})
    except InvalidStages:
        return {}
    out: JsonObject = {}
    for stage in sorted(set(wanted) | set(applied)):
        if wanted.get(stage) != applied.get(stage):
            value = wanted.get(stage)
            out[stage] = list(value) if isinstance(value, tuple) else value
    return out


def show_model(repo: GitRepo, settings: Settings, model: str) -> JsonObject:
    with open_index(repo) as index:
        docs = _require_model(index, model)
        state = index.state([model], settings.stages, settings.terminal_stages).get(model, {})
        events = index.max_seq(model)
    stages = stages_json(state, settings)
    docs.sort(key=lambda d: version_sort_key(d["version"]), reverse=True)
    return {
        "name": model,
        "latest": docs[0]["version"],
        "stages": stages,
        "pending": pending_changes(repo, settings, model, state),
        "events": events,
        "versions": [_summary(d, stages) for d in docs],
    }


def parse_when(text: str) -> datetime:
    """``2026-01-02`` (end of that day, UTC) or an ISO 8601 time (UTC when no offset)."""
    raw = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            day = datetime.fromisoformat(raw).date()
            return datetime.combine(day, time.max, UTC)
        when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"--as-of {text!r}: use a date (2026-01-02) or a time (2026-01-02T15:04:05+02:00)"
        ) from None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _time(value: Timestamp) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def history(
    repo: GitRepo,
    settings: Settings,
    model: str,
    *,
    stage: str | None = None,
    as_of: datetime | None = None,
) -> JsonObject:
    """Registrations and stage events of ``model``, oldest first (who, when, which commit)."""
    if stage is not None and stage not in settings.stages:
        raise UsageError(
            f"unknown stage {stage!r} (stages: {', '.join(settings.stages)}; "
            "configured in .gitml/config.toml [stages])"
        )
    with open_index(repo) as index:
        docs = _require_model(index, model)
        events = index.events(model)
    terminal = set(settings.terminal_stages)
    if as_of is not None:
        events = [e for e in events if _time(e["committed"]) <= as_of]
        docs = [d for d in docs if _time(d["created"]) <= as_of]
    state = replay(events, terminal).get(model, {})
    entries: list[JsonObject] = []
    if stage is None:
        regs = sorted(docs, key=lambda d: (d["created"], version_sort_key(d["version"])))
    else:
        regs = []
        events = [e for e in events if e["stage"] == stage]
    i = 0
    for event in events:
        when = _time(event["committed"])
        while i < len(regs) and _time(regs[i]["created"]) <= when:
            entries.append(_registration(regs[i]))
            i += 1
        entries.append(_stage_entry(event, event["stage"] in terminal))
    entries.extend(_registration(d) for d in regs[i:])
    return {
        "name": model,
        "stage": stage,
        "as_of": as_of.isoformat() if as_of else None,
        "stages": stages_json(state, settings),
        "events": entries,
    }


def _registration(doc: ModelVersionRecord) -> JsonObject:
    return {
        "time": doc["created"],
        "event": doc["event"],
        "summary": f"register {doc['model']} {doc['version']}",
        "version": doc["version"],
        "stage": None,
        "seq": None,
        "who": doc["author"],
        "commit": doc["code"]["commit"],
        "source": "register",
        "run": doc["run"]["id"],
        "payload": rec.mlflow_payload(doc),
    }


def _stage_entry(doc: StageEventRecord, terminal: bool) -> JsonObject:
    return {
        "time": doc["committed"],
        "event": doc["event"],
        "summary": rec.describe_event(doc, terminal),
        "version": doc["version"],
        "stage": doc["stage"],
        "seq": doc["seq"],
        "who": doc["author"],
        "commit": doc["commit"],
        "source": doc["source"],
        "previous": doc.get("previous"),
        "change": doc.get("change"),
        "id": doc["id"],
        "payload": rec.mlflow_payload(doc),
    }


class ModelRef(NamedTuple):
    model: str
    version: str | None = None
    stage: str | None = None

    def __str__(self) -> str:
        if self.stage:
            return f"{self.model}@{self.stage}"
        return f"{self.model}:{self.version}" if self.version else self.model


def parse_ref(text: str) -> ModelRef:
    """``churn@production``, ``churn:1.4.0`` or ``churn`` (the latest version)."""
    match = REF_RE.fullmatch(text.strip())
    if not match:
        raise UsageError(
            f"{text!r}: name a model version as NAME@STAGE, NAME:VERSION or NAME (latest)"
        )
    model = check_model_name(match["model"])
    version = parse_version(match["version"]).text if match["version"] else None
    return ModelRef(model, version, match["stage"])


def resolve(repo: GitRepo, settings: Settings, ref: ModelRef) -> ModelVersionRecord:
    """The version record ``ref`` names (a stage resolves through the applied log)."""
    if ref.version is not None:
        return get_version(repo, ref.model, ref.version)
    snap = registry_collection(repo).snapshot()
    names = versions_in(snap, ref.model)
    if not names:
        raise RecordNotFound(
            f"model {ref.model!r} is not registered; `git ml model ls` lists models, "
            f"`git ml model register {ref.model} --run RUN` adds one"
        )
    if ref.stage is None:
        top = latest(names)
        assert top is not None
        return get_version(repo, ref.model, top.text)
    if ref.stage not in settings.stages:
        raise UsageError(f"unknown stage {ref.stage!r} (stages: {', '.join(settings.stages)})")
    with open_index(repo) as index:
        held = index.state([ref.model], [ref.stage], settings.terminal_stages)
    holder = held.get(ref.model, {}).get(ref.stage)
    if holder is None:
        raise RecordNotFound(
            f"no version of {ref.model!r} holds {ref.stage!r} (applied on refs/gitml/registry); "
            f"`git ml model show {ref.model}` shows its stages"
        )
    if isinstance(holder, tuple) and len(holder) == 1:
        (holder,) = holder
    if isinstance(holder, tuple):
        raise UsageError(
            f"{ref.stage!r} holds several versions of {ref.model!r} ({', '.join(holder)}); "
            f"name one as {ref.model}:VERSION"
        )
    return get_version(repo, ref.model, holder)
