"""A small JSON Schema validator for the write path of ``git ml run``.

Importing ``jsonschema`` costs about 60 ms, more than half of the run overhead budget, so
records written by ``git ml run`` are checked against the same ``schemas/*.schema.json``
with this subset interpreter (type, const, enum, required, properties,
additionalProperties, items, minItems, minLength, pattern, minimum, exclusiveMinimum,
maximum, local ``$ref``). Formats are not checked, as jsonschema does not check them
without extra packages either. Records are validated with jsonschema again when read
(the index) and by ``git ml check``; tests hold the two validators to the same verdicts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from gitml.errors import InvalidRecord
from gitml.records.codec import to_jsonable
from gitml.resources import resource_dir

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}
_SUPPORTED = frozenset(
    {
        "$schema",
        "$id",
        "$defs",
        "$ref",
        "title",
        "description",
        "type",
        "const",
        "enum",
        "required",
        "properties",
        "additionalProperties",
        "items",
        "minItems",
        "minLength",
        "pattern",
        "minimum",
        "exclusiveMinimum",
        "maximum",
        "format",
        "propertyNames",
    }
)


@cache
def load_schema(kind: str) -> dict[str, Any]:
    path = resource_dir("schemas") / f"{kind}.schema.json"
    schema: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return schema


@cache
def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(text)


def _is_type(value: Any, name: str) -> bool:
    if isinstance(value, bool) and name in ("integer", "number"):
        return False
    if name == "number" and isinstance(value, float):
        return True
    return isinstance(value, _TYPES[name])


Check = Callable[[Any, str], list[str]]


def _where(path: str) -> str:
    return path or "(top level)"


def _join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def _compile(schema: Mapping[str, Any], root: Mapping[str, Any], cache: dict[int, Check]) -> Check:
    """A checker for ``schema`` (built once per schema node; local refs resolved lazily)."""
    unknown = set(schema) - _SUPPORTED
    if unknown:
        raise ValueError(f"schema keyword(s) {sorted(unknown)} not supported by fastschema")
    if "$ref" in schema:
        target: Any = root
        for part in str(schema["$ref"]).removeprefix("#/").split("/"):
            target = target[part]
        key = id(target)
        if key not in cache:
            slot: list[Check] = []
            cache[key] = lambda v, p: slot[0](v, p)  # recursive refs resolve once built
            slot.append(_compile(target, root, cache))
            cache[key] = slot[0]
        return cache[key]
    kind = schema.get("type")
    kinds = [kind] if isinstance(kind, str) else list(kind) if kind is not None else []
    has_const, const = "const" in schema, schema.get("const")
    enum = schema.get("enum")
    min_length = schema.get("minLength", 0)
    pattern = _pattern(schema["pattern"]) if "pattern" in schema else None
    minimum, exclusive, maximum = (
        schema.get("minimum"),
        schema.get("exclusiveMinimum"),
        schema.get("maximum"),
    )
    min_items = schema.get("minItems", 0)
    items = _compile(schema["items"], root, cache) if "items" in schema else None
    required = list(schema.get("required", ()))
    props = {k: _compile(v, root, cache) for k, v in schema.get("properties", {}).items()}
    extra_schema = schema.get("additionalProperties", True)
    closed = extra_schema is False
    extra = _compile(extra_schema, root, cache) if isinstance(extra_schema, dict) else None
    names = _compile(schema["propertyNames"], root, cache) if "propertyNames" in schema else None

    def check(value: Any, path: str) -> list[str]:
        if kinds and not any(_is_type(value, k) for k in kinds):
            return [
                f"{_where(path)}: {value!r} is not of type {' or '.join(repr(k) for k in kinds)}"
            ]
        if has_const and value != const:
            return [f"{_where(path)}: {const!r} was expected"]
        if enum is not None and value not in enum:
            return [f"{_where(path)}: {value!r} is not one of {enum!r}"]
        found: list[str] = []
        if isinstance(value, str):
            if len(value) < min_length:
                found.append(f"{_where(path)}: {value!r} is too short")
            if pattern is not None and not pattern.search(value):
                found.append(f"{_where(path)}: {value!r} does not match {pattern.pattern!r}")
        elif isinstance(value, int | float) and not isinstance(value, bool):
            if minimum is not None and value < minimum:
                found.append(f"{_where(path)}: {value!r} is less than the minimum of {minimum}")
            if exclusive is not None and value <= exclusive:
                found.append(f"{_where(path)}: {value!r} is not above {exclusive}")
            if maximum is not None and value > maximum:
                found.append(f"{_where(path)}: {value!r} is greater than the maximum of {maximum}")
        elif isinstance(value, list):
            if len(value) < min_items:
                found.append(f"{_where(path)}: should be non-empty")
            if items is not None:
                for i, item in enumerate(value):
                    found.extend(items(item, _join(path, i)))
        elif isinstance(value, dict):
            for name in required:
                if name not in value:
                    found.append(f"{_join(path, name)}: is required")
            for key, item in value.items():
                sub = _join(path, key)
                if names is not None:
                    found.extend(names(key, sub))
                checker = props.get(key)
                if checker is not None:
                    found.extend(checker(item, sub))
                elif closed:
                    found.append(f"{sub}: is not a known field (check the spelling)")
                elif extra is not None:
                    found.extend(extra(item, sub))
        return found

    return check


@cache
def checker(kind: str) -> Check:
    schema = load_schema(kind)
    return _compile(schema, schema, {})


def _errors(value: Any, schema: Mapping[str, Any], root: Mapping[str, Any], path: str) -> list[str]:
    return _compile(schema, root, {})(value, path)


def find_errors(doc: Mapping[str, Any], kind: str) -> list[str]:
    return sorted(checker(kind)(to_jsonable(dict(doc)), ""))


def validate(doc: Mapping[str, Any], kind: str, *, where: str) -> None:
    """Raise InvalidRecord naming ``where`` and the first bad field."""
    errors = find_errors(doc, kind)
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise InvalidRecord(f"{where}: {errors[0]}{more}")
