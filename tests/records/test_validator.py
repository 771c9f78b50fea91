"""The compiled validator agrees with jsonschema on every schema."""

from __future__ import annotations

import copy
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from gitml.errors import InvalidRecord
from gitml.records import codec
from gitml.records import validator as fastschema
from gitml.records.schema import find_errors as slow_errors_any


def slow_errors(doc: Any, kind: str, strict: bool = True) -> list[str]:
    return slow_errors_any(doc, kind, strict=strict)


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


@pytest.mark.parametrize(
    "schema",
    [
        {"patternProperties": {}},
        {"properties": {"a": {"properties": {"b": {"patternProperties": {}}}}}},
        {"$defs": {"x": {"dependentRequired": {}}}},
        {"anyOf": [{"type": "string"}, {"not": {}}]},
        {"items": {"uniqueItems": True}},
        {"additionalProperties": {"contains": {}}},
    ],
)
def test_unsupported_keywords_deep_inside_are_refused_before_any_record(
    schema: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fastschema, "load_schema", lambda kind: schema)
    fastschema.checker.cache_clear()
    try:
        with pytest.raises(ValueError, match="not supported"):
            fastschema.checker("odd")
    finally:
        fastschema.checker.cache_clear()


SAMPLES = Path(__file__).resolve().parent / "samples"
REPLACEMENTS: list[Any] = ["text", 7, 2.5, True, [], {}, -1, ""]


def _mutations(doc: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    """(path, new value) pairs: each leaf retyped, each key deleted, an unknown key added."""
    found: list[tuple[tuple[Any, ...], Any]] = []
    if isinstance(doc, dict):
        found.append(((*path, "zz_unknown"), 1))
        for key, value in doc.items():
            found.append(((*path, key), KeyError))
            found.extend(_mutations(value, (*path, key)))
    elif isinstance(doc, list):
        if doc:
            found.extend(_mutations(doc[0], (*path, 0)))
    else:
        found.extend(((path), r) for r in REPLACEMENTS if type(r) is not type(doc))
    return found


def _apply(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    doc = copy.deepcopy(doc)
    node = doc
    for part in path[:-1]:
        node = node[part]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return doc


@pytest.mark.parametrize("kind", sorted(p.stem for p in SAMPLES.glob("*.toml")))
def test_every_schema_same_verdicts_as_jsonschema(kind: str) -> None:
    base = codec.loads((SAMPLES / f"{kind}.toml").read_text("utf-8"), where=kind)
    assert fastschema.find_errors(base, kind) == slow_errors(base, kind, strict=True) == []
    mutations = _mutations(base)
    assert mutations
    for path, value in mutations:
        doc = _apply(base, path, value)
        fast = fastschema.find_errors(doc, kind)
        slow = slow_errors(doc, kind, strict=True)
        assert bool(fast) == bool(slow), (path, value, fast, slow)


def test_threads_validating_at_once_while_checkers_are_built_agree() -> None:
    doc = sample()
    rounds, threads = 100, 32  # without the lock, 50 rounds failed 5 tries of 5
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads take turns often, as on a busy server
    try:
        _race(doc, rounds, threads)
    finally:
        sys.setswitchinterval(switch)
        fastschema.checker.cache_clear()


def _check_after(start: threading.Barrier, doc: dict[str, Any]) -> list[str]:
    start.wait()
    return fastschema.find_errors(doc, "run")


def _race(doc: dict[str, Any], rounds: int, threads: int) -> None:
    for _ in range(rounds):
        fastschema.checker.cache_clear()  # every round builds its checkers anew, in the race
        start = threading.Barrier(threads)

        with ThreadPoolExecutor(threads) as pool:
            jobs = [pool.submit(_check_after, start, doc) for _ in range(threads)]
            answers = [job.result() for job in jobs]
        assert answers == [[]] * threads
