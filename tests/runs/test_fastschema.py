"""The write-path validator agrees with jsonschema on run records."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from gitml.errors import InvalidRecord
from gitml.records import codec
from gitml.records.schema import find_errors as slow_errors
from gitml.runs import fastschema

SAMPLE = Path(__file__).resolve().parents[1] / "records" / "samples" / "run.toml"


def sample() -> dict[str, Any]:
    return codec.loads(SAMPLE.read_text("utf-8"), where=str(SAMPLE))


def _set(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    *parents, last = path.split(".")
    node = doc
    for part in parents:
        node = node[part]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value
    return doc


MUTATIONS = [
    ("status", "done"),
    ("id", "not-an-id"),
    ("exit_code", 1.5),
    ("exit_code", True),
    ("command", []),
    ("metrics.acc", "high"),
    ("metric_stats.acc.steps", 0),
    ("code.commit", "abc"),
    ("code.dirty", "yes"),
    ("code.extra", 1),
    ("env.packages.count", -1),
    ("tags.team", 3),
    ("user", KeyError),
    ("name", "has space"),
    ("surprise", 1),
    ("duration_s", -1),
    ("inputs.x", "md5"),
]


def test_sample_is_valid_for_both() -> None:
    assert fastschema.find_errors(sample(), "run") == []
    assert slow_errors(sample(), "run") == []


@pytest.mark.parametrize(("path", "value"), MUTATIONS)
def test_same_verdict_as_jsonschema(path: str, value: Any) -> None:
    doc = _set(sample(), path, value)
    fast = fastschema.find_errors(doc, "run")
    slow = slow_errors(doc, "run")
    assert bool(fast) == bool(slow)
    assert [e.split(":")[0] for e in fast] == [e.split(":")[0] for e in slow]


def test_validate_names_the_record_and_field() -> None:
    doc = _set(sample(), "metrics.acc", "high")
    with pytest.raises(InvalidRecord, match=r"^runs/x\.toml: metrics\.acc: 'high' is not of type"):
        fastschema.validate(doc, "run", where="runs/x.toml")


def test_unsupported_keywords_are_refused() -> None:
    with pytest.raises(ValueError, match="not supported"):
        fastschema._errors(1, {"oneOf": []}, {}, "")
