"""Registry records: paths, deterministic event ids, both validators agree on the schemas."""

from __future__ import annotations

import copy
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gitml.records.schema import find_errors
from gitml.records.validator import find_errors as fast_errors
from gitml.registry import records as rec
from gitml.registry.stagefile import Transition

SAMPLES = Path(__file__).resolve().parents[1] / "records" / "samples"


def sample(kind: str) -> dict[str, Any]:
    return tomllib.loads((SAMPLES / f"{kind}.toml").read_text())


def test_event_paths_bucket_a_hundred_events_per_folder() -> None:
    assert rec.event_path("churn", 7, "X") == "models/churn/events/000000/00000007-X.toml"
    assert rec.event_path("churn", 12345, "X") == "models/churn/events/000123/00012345-X.toml"
    assert rec.seq_of_name("00012345-X.toml") == 12345
    assert rec.version_path("churn", "1.4.0") == "models/churn/versions/1.4.0.toml"


def test_event_ids_are_deterministic_and_time_sortable() -> None:
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    t = Transition("churn", "production", "assign", "1.4.0")
    first = rec.event_id("a" * 40, when, t)
    assert first == rec.event_id("a" * 40, when, t)
    assert first != rec.event_id("b" * 40, when, t)
    later = rec.event_id("a" * 40, datetime(2026, 1, 3, tzinfo=UTC), t)
    assert later > first
    assert len(first) == 26


def _mutations(kind: str) -> list[dict[str, Any]]:
    base = sample(kind)
    out = []
    for key in list(base):
        broken = copy.deepcopy(base)
        del broken[key]
        out.append(broken)
    for key, value in (
        ("schema", "gitml/other/1"),
        ("model", "Churn"),
        ("id", "short"),
        ("extra", 1),
        ("version", "x" * 65),
        ("author", {"name": "a"}),
    ):
        broken = copy.deepcopy(base)
        broken[key] = value
        out.append(broken)
    return out


@pytest.mark.parametrize("kind", ["model-version", "stage-event"])
def test_fast_validator_agrees_with_jsonschema(kind: str) -> None:
    assert fast_errors(sample(kind), kind) == []
    assert find_errors(sample(kind), kind, strict=True) == []
    for doc in _mutations(kind):
        assert bool(fast_errors(doc, kind)) == bool(find_errors(doc, kind, strict=True)), doc


def test_mlflow_payloads_match_the_webhook_shapes() -> None:
    version = sample("model-version")
    assert rec.mlflow_payload(version) == {
        "name": "churn",
        "version": "1.4.0",
        "source": "models:/churn/1.4.0",
        "run_id": version["run"]["id"],
        "tags": {"team": "growth"},
        "description": "gradient boosting, new features",
    }
    event = sample("stage-event")
    assert rec.mlflow_payload(event) == {"name": "churn", "alias": "production", "version": "1.4.0"}
    deleted = {**event, "event": rec.ALIAS_DELETED}
    assert rec.mlflow_payload(deleted) == {"name": "churn", "alias": "production"}
