"""Canonical TOML: the same record always serialises to the same bytes."""

from __future__ import annotations

import pytest

from gitml.errors import InvalidRecord
from gitml.records import codec


def test_dumps_sorts_keys_recursively_and_ends_with_newline() -> None:
    text = codec.dumps({"b": 1, "a": {"z": 1, "y": [1, 2]}, "schema": "gitml/x/1"})
    assert text == 'b = 1\nschema = "gitml/x/1"\n\n[a]\ny = [\n    1,\n    2,\n]\nz = 1\n'


def test_dumps_is_independent_of_insertion_order() -> None:
    one = codec.dumps({"x": {"b": 2, "a": 1}, "c": "v"})
    two = codec.dumps({"c": "v", "x": {"a": 1, "b": 2}})
    assert one == two


def test_dumps_drops_none_values() -> None:
    assert codec.dumps({"a": None, "b": 1}) == "b = 1\n"


def test_dumps_rejects_non_finite_numbers() -> None:
    with pytest.raises(InvalidRecord, match="finite"):
        codec.dumps({"loss": float("nan")})


def test_loads_error_names_the_place_and_line() -> None:
    with pytest.raises(InvalidRecord) as info:
        codec.loads('a = 1\nb = "unterminated\n', where="runs/ab/X.toml")
    message = str(info.value)
    assert message.startswith("runs/ab/X.toml: invalid TOML: ")
    assert "line 2" in message


def test_loads_rejects_non_utf8_bytes() -> None:
    with pytest.raises(InvalidRecord, match="not UTF-8"):
        codec.loads(b"a = '\xff'", where="x.toml")


def test_round_trip_keeps_types() -> None:
    doc = {"i": 3, "f": 0.25, "s": "x", "b": True, "l": [1, "a"], "t": {"k": 1.5}}
    assert codec.loads(codec.dumps(doc), where="x") == doc


def test_to_jsonable_maps_non_finite_numbers_to_valid_json() -> None:
    import json

    doc = codec.loads("a = nan\nb = inf\nc = -inf\n", where="x")
    text = json.dumps(codec.to_jsonable(doc), allow_nan=False)
    assert json.loads(text) == {
        "a": None,
        "b": 1.7976931348623157e308,
        "c": -1.7976931348623157e308,
    }
