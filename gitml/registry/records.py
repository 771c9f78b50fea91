"""Registry records on ``refs/gitml/registry`` and where they live.

* ``models/<model>/versions/<version>.toml``: a registered version
  (``schema = "gitml/model-version/1"``, event ``model_version.created``).
* ``applied/<shard>/<commit>.toml``: the default branch was applied up to ``<commit>``
  after it changed the rules (``schema = "gitml/applied/1"``): later changes are judged
  by the rules as of that commit.
* ``models/<model>/events/<bucket>/<seq>-<id>.toml``: an applied stage event
  (``schema = "gitml/stage-event/1"``, event ``model_version_alias.created``/``deleted``).
  ``<seq>`` is the model's 8-digit sequence number (replay order) and ``<bucket>`` its first
  six digits (100 events per folder), so appending rewrites two small trees whatever the
  length of the log.

Stage events are derived only from the default branch's history of ``.gitml/stages.toml``:
their id is the change's commit time plus a hash of (commit, model, stage, action,
version), so every applier derives byte-identical records, and ``registry verify`` can
re-derive the log and compare.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, TypedDict

from gitml.records import codec, ids
from gitml.registry.stagefile import Transition
from gitml.storage import REGISTRY_REF
from gitml.storage.collection import DECLARED, wide_shard_of

if TYPE_CHECKING:
    from gitml.records.shapes import (
        AppliedRecord,
        ArtifactTable,
        ChangeTable,
        JsonObject,
        ModelVersionRecord,
        PersonTable,
        RunRecord,
        SignatureTable,
        StageEventKind,
        StageEventRecord,
        StageSource,
        VersionCodeTable,
    )

PREFIX = DECLARED[REGISTRY_REF].prefix
VERSION_SCHEMA: Final = "gitml/model-version/1"
EVENT_SCHEMA: Final = "gitml/stage-event/1"
APPLIED_SCHEMA: Final = "gitml/applied/1"
APPLIED_DIR = "applied"
VERSION_CREATED: Final = "model_version.created"
ALIAS_CREATED: Final = "model_version_alias.created"
ALIAS_DELETED: Final = "model_version_alias.deleted"
BUCKET_SIZE = 100
SEQ_WIDTH = 8


class PackageInfo(TypedDict, total=False):
    """What a version records of its model's package (``gitml.log_model`` and the run)."""

    flavor: str
    signature: SignatureTable
    requirements: list[str]
    python: str


def versions_dir(model: str) -> str:
    return f"{PREFIX}/{model}/versions"


def events_dir(model: str) -> str:
    return f"{PREFIX}/{model}/events"


def version_path(model: str, version: str) -> str:
    return f"{versions_dir(model)}/{version}.toml"


def bucket_of(seq: int) -> str:
    return f"{seq // BUCKET_SIZE:0{SEQ_WIDTH - 2}d}"


def event_path(model: str, seq: int, event_id: str) -> str:
    return f"{events_dir(model)}/{bucket_of(seq)}/{seq:0{SEQ_WIDTH}d}-{event_id}.toml"


def applied_path(commit: str) -> str:
    return f"{APPLIED_DIR}/{wide_shard_of(commit)}/{commit}.toml"


def build_applied(
    commit: str, branch: str, rules: list[str], skipped: list[str] | None = None
) -> AppliedRecord:
    """The record that the default branch was applied up to ``commit`` (``skipped``: stage
    changes in the range that were undone by ``commit`` and so produce no events)."""
    doc: AppliedRecord = {
        "schema": APPLIED_SCHEMA,
        "commit": commit,
        "branch": branch,
        "rules": sorted(rules),
    }
    if skipped:
        doc["skipped"] = list(skipped)
    return doc


def seq_of_name(name: str) -> int | None:
    head = name.split("-", 1)[0]
    return int(head) if head.isdigit() else None


def person(name: str, email: str) -> PersonTable:
    return {"name": name, "email": email}


def build_version(
    *,
    record_id: str,
    model: str,
    version: str,
    run: RunRecord,
    created: datetime,
    author: PersonTable,
    artifact: ArtifactTable | None = None,
    description: str | None = None,
    tags: Mapping[str, str] | None = None,
    package: PackageInfo | None = None,
) -> ModelVersionRecord:
    """A version record linking the run (code, params, metrics, data) and the artifact."""
    code = run["code"]
    from_code: VersionCodeTable = {
        "commit": code["commit"],
        "checkpoint": code["checkpoint"],
        "dirty": code["dirty"],
    }
    if "branch" in code:
        from_code["branch"] = code["branch"]
    doc: ModelVersionRecord = {
        "schema": VERSION_SCHEMA,
        "event": VERSION_CREATED,
        "id": record_id,
        "model": model,
        "version": version,
        "created": created.astimezone(UTC).replace(microsecond=0),
        "author": author,
        "tags": dict(tags or {}),
        "run": {"id": run["id"], "name": run["name"], "status": run["status"]},
        "code": from_code,
        "params": dict(run["params"]),
        "metrics": dict(run["metrics"]),
        "inputs": dict(run["inputs"]),
        "outputs": dict(run["outputs"]),
    }
    if description:
        doc["description"] = description
    if artifact:
        doc["artifact"] = artifact
    if package:
        _add_package(doc, package)
    built: ModelVersionRecord = codec.canonical(doc)
    return built


def _add_package(doc: ModelVersionRecord, package: PackageInfo) -> None:
    """The facts of the model's package a version records (flavor, signature...)."""
    if package.get("flavor") is not None:
        doc["flavor"] = package["flavor"]
    if package.get("signature") is not None:
        doc["signature"] = package["signature"]
    if package.get("requirements") is not None:
        doc["requirements"] = package["requirements"]
    if package.get("python") is not None:
        doc["python"] = package["python"]


def event_name(action: str) -> StageEventKind:
    return ALIAS_CREATED if action == "assign" else ALIAS_DELETED


def event_id(commit: str, committed: datetime, transition: Transition) -> str:
    """Deterministic, time-sortable id of the event a commit's change derives."""
    import xxhash

    key = "\0".join(
        (commit, transition.model, transition.stage, transition.action, transition.version)
    )
    ms = int(committed.timestamp() * 1000)
    rand = int(xxhash.xxh3_128_hexdigest(key.encode("utf-8")), 16) >> 48
    return ids.encode_base32(ms & ((1 << 48) - 1), 10) + ids.encode_base32(rand, 16)


def build_event(
    *,
    transition: Transition,
    seq: int,
    commit: str,
    committed: datetime,
    author: PersonTable,
    source: StageSource,
    change: ChangeTable | None = None,
) -> StageEventRecord:
    doc: StageEventRecord = {
        "schema": EVENT_SCHEMA,
        "event": event_name(transition.action),
        "id": event_id(commit, committed, transition),
        "seq": seq,
        "model": transition.model,
        "stage": transition.stage,
        "action": transition.action,
        "version": transition.version,
        "commit": commit,
        "committed": committed.astimezone(UTC),
        "author": author,
        "source": source,
    }
    if transition.previous is not None:
        doc["previous"] = transition.previous
    if change:
        doc["change"] = change
    built: StageEventRecord = codec.canonical(doc)
    return built


def describe_event(doc: Mapping[str, Any], terminal: bool = False) -> str:
    """``promote churn 1.4.0 -> production``: the readable form of an event."""
    model, stage, version = doc["model"], doc["stage"], doc["version"]
    if doc["action"] == "assign":
        if terminal:
            return f"archive {model} {version} ({stage})"
        return f"promote {model} {version} -> {stage}"
    if terminal:
        return f"restore {model} {version} from {stage}"
    return f"demote {model} {version} from {stage}"


def mlflow_payload(doc: Mapping[str, Any]) -> JsonObject:
    """The MLflow webhook payload of a record (``name``, ``version``, ``alias``...)."""
    if doc.get("event") == VERSION_CREATED:
        return {
            "name": doc["model"],
            "version": doc["version"],
            "source": f"models:/{doc['model']}/{doc['version']}",
            "run_id": doc["run"]["id"],
            "tags": dict(doc.get("tags") or {}),
            "description": doc.get("description"),
        }
    payload = {"name": doc["model"], "alias": doc["stage"]}
    if doc.get("event") == ALIAS_CREATED:
        payload["version"] = doc["version"]
    return payload
