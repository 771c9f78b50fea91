"""Each record shape (``gitml.records.shapes``) says what its schema says, key by key.

A schema that gains, loses or stops requiring a key (at the top level or in any table
the shape types) fails here until the shape follows, and the other way round.
"""

from __future__ import annotations

import json
import types
import typing
from pathlib import Path
from typing import Any, get_args, get_origin, is_typeddict

import pytest

from gitml.errors import InvalidRecord
from gitml.records import codec, shapes
from gitml.records.typed import typed
from gitml.resources import resource_dir

SETTINGS = {"config", "policy"}  # tracked settings files, read into their own types


def _schemas() -> dict[str, dict[str, Any]]:
    return {
        path.name.removesuffix(".schema.json"): json.loads(path.read_text("utf-8"))
        for path in resource_dir("schemas").glob("*.schema.json")
    }


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = root
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _typed_dicts(annotation: Any) -> list[tuple[str, type[Any]]]:
    """(how the schema reaches it, TypedDict) for a TypedDict annotation, a list of
    one, or a dict of one ("" itself, "items", "additionalProperties")."""
    if is_typeddict(annotation):
        return [("", annotation)]
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is list and args and is_typeddict(args[0]):
        return [("items", args[0])]
    if origin is dict and len(args) == 2 and is_typeddict(args[1]):
        return [("additionalProperties", args[1])]
    if origin in (typing.Union, types.UnionType):
        return [found for arg in args for found in _typed_dicts(arg)]
    return []


def mismatches(shape: type[Any], node: dict[str, Any], root: dict[str, Any], at: str) -> list[str]:
    """Where ``shape`` and the schema ``node`` disagree on keys or on which are required."""
    node = _resolve(node, root)
    props = set(node.get("properties", {}))
    hints = typing.get_type_hints(shape)
    found: list[str] = []
    if set(hints) != props:
        found.append(
            f"{at}: shape {shape.__name__} lacks {sorted(props - set(hints))}, "
            f"schema lacks {sorted(set(hints) - props)}"
        )
    if set(shape.__required_keys__) != set(node.get("required", ())):
        found.append(
            f"{at}: {shape.__name__} requires {sorted(shape.__required_keys__)}, "
            f"the schema {sorted(node.get('required', ()))}"
        )
    for key in sorted(set(hints) & props):
        for via, inner in _typed_dicts(hints[key]):
            sub = _resolve(node["properties"][key], root)
            if via:
                sub = _resolve(sub[via], root)
            found.extend(mismatches(inner, sub, root, f"{at}.{key}"))
    return found


def test_every_schema_has_a_shape_or_is_a_settings_file() -> None:
    assert sorted(set(_schemas()) - SETTINGS) == sorted(shapes.SHAPES)


@pytest.mark.parametrize("kind", sorted(shapes.SHAPES))
def test_the_shape_has_the_keys_of_its_schema(kind: str) -> None:
    schema = _schemas()[kind]
    assert mismatches(shapes.SHAPES[kind], schema, schema, kind) == []


def test_the_schema_tag_is_the_shapes_literal() -> None:
    for kind, shape in shapes.SHAPES.items():
        assert get_args(typing.get_type_hints(shape)["schema"]) == (f"gitml/{kind}/1",)


def test_a_key_the_shape_lacks_is_found() -> None:
    schema = _schemas()["run"]
    grown = {**schema, "properties": {**schema["properties"], "owner": {"type": "string"}}}
    assert mismatches(shapes.RunRecord, grown, grown, "run") == [
        "run: shape RunRecord lacks ['owner'], schema lacks []"
    ]


def test_a_nested_requirement_the_shape_lacks_is_found() -> None:
    schema = json.loads(json.dumps(_schemas()["run"]))
    schema["properties"]["code"]["required"].remove("untracked")
    found = mismatches(shapes.RunRecord, schema, schema, "run")
    assert found == [
        "run.code: CodeTable requires ['checkpoint', 'commit', 'dirty', 'untracked'], "
        "the schema ['checkpoint', 'commit', 'dirty']"
    ]


def test_a_key_the_schema_dropped_is_found() -> None:
    schema = json.loads(json.dumps(_schemas()["monitor-report"]))
    del schema["properties"]["findings"]["items"]["properties"]["judged"]
    assert mismatches(shapes.MonitorReportRecord, schema, schema, "monitor-report") == [
        "monitor-report.findings: shape FindingTable lacks [], schema lacks ['judged']"
    ]


SAMPLES = Path(__file__).parent / "samples"


@pytest.mark.parametrize("kind", sorted(shapes.SHAPES))
def test_typed_hands_back_the_validated_dict_itself(kind: str) -> None:
    doc = codec.loads((SAMPLES / f"{kind}.toml").read_bytes(), where=kind)
    assert typed(doc, kind, where=f"{kind}.toml") is doc  # type: ignore[call-overload]


def test_typed_refuses_a_record_its_schema_refuses() -> None:
    doc = codec.loads((SAMPLES / "run.toml").read_bytes(), where="run")
    del doc["code"]["dirty"]
    with pytest.raises(InvalidRecord, match=r"^runs/x\.toml: code\.dirty: is required"):
        typed(doc, "run", where="runs/x.toml")


def test_an_index_row_is_typed_without_a_second_validation() -> None:
    row = {"schema": "gitml/run/1"}  # rows were validated when they were indexed
    assert typed(row, "run", where=None) is row
