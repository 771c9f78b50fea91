"""Monitoring reports for the UI, read through ``gitml.monitor`` (``git ml monitor log``).

A model's page adds, for each version its reports are about, the training profile the
reports compared serving data with (``gitml.monitor.reference``), so every column's training
histogram shows beside its drift findings.
"""

from __future__ import annotations

from itertools import islice
from typing import TYPE_CHECKING

from gitml.errors import GitmlError, RecordNotFound
from gitml.monitor.reference import version_profile
from gitml.monitor.report import PREFIX, collection, iter_reports, summary
from gitml.records.codec import to_jsonable
from gitml.registry.store import get_version

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject
    from gitml.storage.repo import GitRepo

EMPTY_REPORTS = "no monitoring reports yet: git ml monitor MODEL@STAGE --data FILE"
MAX_REPORTS = 200


def _models(repo: GitRepo) -> list[str]:
    coll = collection(repo)
    if coll.tip() is None:
        return []
    return sorted(coll.snapshot().listdir(PREFIX))


def count_reports(repo: GitRepo) -> int:
    """How many reports there are (paths only; nothing is parsed)."""

    coll = collection(repo)
    if coll.tip() is None:
        return 0
    return sum(1 for path, _oid in coll.iter_paths(PREFIX) if path.endswith(".toml"))


def reports(repo: GitRepo) -> JsonObject:
    """Every model's reports (summaries, newest first) and each model's current state."""

    found: list[JsonObject] = []
    latest: dict[str, JsonObject] = {}
    for model in _models(repo):
        rows = [summary(doc) for doc in iter_reports(repo, model)]  # newest first
        found.extend(rows)
        # The model's state is its newest `monitor` report (as require_monitor_ok reads
        # it); a model with only scans shows its newest scan.
        chosen = next((r for r in rows if r["kind"] == "monitor"), rows[0] if rows else None)
        if chosen is not None:
            latest[model] = chosen
    found.sort(key=lambda r: (r["created"], r["id"]), reverse=True)
    return {
        "reports": found[:MAX_REPORTS],
        "latest": [latest[m] for m in sorted(latest)],
        "empty": EMPTY_REPORTS,
    }


def model_reports(repo: GitRepo, model: str) -> JsonObject:
    """A model's reports with their findings (newest first) and the training profiles."""

    if model not in _models(repo):
        raise RecordNotFound(
            f"no monitoring reports for model {model!r}; `git ml monitor {model}@STAGE "
            "--data FILE` adds one"
        )
    docs = [to_jsonable(doc) for doc in islice(iter_reports(repo, model), MAX_REPORTS)]
    training = {v: _training(repo, model, v) for v in sorted({d["version"] for d in docs})}
    return {"model": model, "reports": docs, "training": training}


def _training(repo: GitRepo, model: str, version: str) -> JsonObject:
    """The profile a version's reports compare with ({"error": ...} when there is none)."""

    try:
        reference = version_profile(repo, get_version(repo, model, version))
    except GitmlError as exc:
        return {"source": None, "columns": {}, "error": str(exc)}
    return {
        "source": reference.source,
        "columns": reference.profile["columns"],
        "error": None,
    }
