"""Registrations a run asked for before it was recorded (MLflow's ``register_model`` or
``log_model(registered_model_name=...)`` inside the run).

The request is the run's ``gitml.register`` tag: a JSON list of ``{model, artifact,
version?, description?}``. Once the run's record is written (``git ml run``, or the end
of ``gitml.start_run``), each is registered like ``git ml model register``; a run that did
not complete registers nothing. A registration that fails is reported, never the run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitml.errors import GitmlError

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject
    from gitml.storage.repo import GitRepo

PENDING_TAG = "gitml.register"


def requests(doc: Mapping[str, Any]) -> list[JsonObject]:
    """The registrations a run's record asks for ([] when none or malformed)."""
    raw = (doc.get("tags") or {}).get(PENDING_TAG)
    try:
        found = json.loads(raw) if raw else []
    except ValueError:
        return []
    return [r for r in found if isinstance(r, dict) and isinstance(r.get("model"), str)]


def register_pending(repo: GitRepo, doc: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """Register what the run asked for: ``(versions registered, failures)``, a line each."""
    wanted = requests(doc)
    if not wanted or doc.get("status") != "completed":
        failed = [f"{r['model']}: not registered, run {doc['id']} did not complete" for r in wanted]
        return [], failed
    from gitml.registry.register import RegisterRequest, register

    done: list[str] = []
    failed = []
    for item in wanted:
        artifact = item.get("artifact")
        request = RegisterRequest(
            model=str(item["model"]),
            run=str(doc["id"]),
            artifact=Path(str(artifact)) if artifact else None,
            version=str(item["version"]) if item.get("version") else None,
            description=item.get("description"),
        )
        try:
            version = register(repo, request)
        except GitmlError as exc:
            failed.append(f"{item['model']}: not registered: {exc}")
        else:
            done.append(f"registered {version['model']} {version['version']}")
    return done, failed
