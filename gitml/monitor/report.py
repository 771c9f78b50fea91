"""Monitoring and scan reports on ``refs/gitml/monitor``.

Layout: ``monitor/<model>/<version>/<id>.toml`` (schema ``gitml/monitor-report/1``), with
time-sortable ids, so the latest report of a version is the greatest file name and the
governance rule ``require_monitor_ok`` reads its ``alert``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal

from gitml.records import codec
from gitml.records.ids import new_id
from gitml.storage import MONITOR_REF
from gitml.storage.collection import Collection
from gitml.storage.repo import GitRepo

SCHEMA = "gitml/monitor-report/1"
PREFIX = "monitor"
ReportKind = Literal["monitor", "scan"]


def collection(repo: GitRepo) -> Collection:
    return Collection(repo, MONITOR_REF, PREFIX, sharded=False)


def report_path(model: str, version: str, report_id: str) -> str:
    return f"{PREFIX}/{model}/{version}/{report_id}.toml"


def build_report(
    *,
    kind: ReportKind,
    model: str,
    version: str,
    rows: int,
    findings: Sequence[Mapping[str, Any]],
    data: str,
    reference: str | None = None,
    metrics: Mapping[str, float] | None = None,
    options: Mapping[str, Any] | None = None,
    created: datetime | None = None,
) -> dict[str, Any]:
    """A report record; ``alert`` is true when any finding alerts."""
    doc: dict[str, Any] = {
        "schema": SCHEMA,
        "id": new_id(),
        "kind": kind,
        "model": model,
        "version": version,
        "created": (created or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0),
        "data": data,
        "reference": reference,
        "rows": rows,
        "alert": any(f["alert"] for f in findings),
        "alerts": sum(1 for f in findings if f["alert"]),
        "options": dict(options or {}),
        "metrics": dict(metrics or {}),
        "findings": [dict(f) for f in findings],
    }
    return dict(codec.canonical(doc))


def unjudged(doc: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Findings over their threshold that too few rows kept from being judged."""
    return [
        f
        for f in doc.get("findings") or ()
        if f.get("judged") is False and float(f["value"]) > float(f["threshold"])
    ]


def verdict(doc: Mapping[str, Any]) -> str:
    """``ALERT``, ``not judged`` (nothing alerts, but a check over its threshold had too
    few rows to decide) or ``ok``."""
    if doc["alert"]:
        return "ALERT"
    return "not judged" if unjudged(doc) else "ok"


def save_report(repo: GitRepo, doc: Mapping[str, Any]) -> str:
    """Validate and store ``doc``; returns its path on ``refs/gitml/monitor``."""
    from gitml.records.schema import validate

    path = report_path(doc["model"], doc["version"], doc["id"])
    validate(dict(doc), "monitor-report", where=path)
    message = (
        f"{doc['kind']} {doc['model']}:{doc['version']}: {verdict(doc)} ({doc['alerts']} alerts)"
    )
    collection(repo).put(path, codec.dump_bytes(doc), message)
    return path


def iter_reports(repo: GitRepo, model: str, version: str | None = None) -> Iterator[dict[str, Any]]:
    """Reports of ``model`` (optionally one version), newest first."""
    under = f"{PREFIX}/{model}" + (f"/{version}" if version else "")
    found = [
        (path.rsplit("/", 1)[-1], path, data)
        for path, data in collection(repo).iter_records(under)
        if path.endswith(".toml")
    ]
    for _name, path, data in sorted(found, reverse=True):
        yield codec.loads(data, where=f"{MONITOR_REF}:{path}")


def summary(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A report without its findings (for ``monitor log``)."""
    created = doc["created"]
    return {
        "id": doc["id"],
        "kind": doc["kind"],
        "model": doc["model"],
        "version": doc["version"],
        "created": created.isoformat() if isinstance(created, datetime) else str(created),
        "rows": doc["rows"],
        "alert": doc["alert"],
        "alerts": doc["alerts"],
        "verdict": verdict(doc),
        "data": doc["data"],
    }
