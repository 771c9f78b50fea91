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
from collections.abc import Mapping
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


def _errors(value: Any, schema: Mapping[str, Any], root: Mapping[str, Any], path: str) -> list[str]:
    unknown = set(schema) - _SUPPORTED
    if unknown:
        raise ValueError(f"schema keyword(s) {sorted(unknown)} not supported by fastschema")
    where = path or "(top level)"
    if "$ref" in schema:
        ref = str(schema["$ref"])
        target: Any = root
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        return _errors(value, target, root, path)
    kind = schema.get("type")
    if kind is not None:
        kinds = [kind] if isinstance(kind, str) else list(kind)
        if not any(_is_type(value, k) for k in kinds):
            return [f"{where}: {value!r} is not of type {' or '.join(repr(k) for k in kinds)}"]
    if "const" in schema and value != schema["const"]:
        return [f"{where}: {schema['const']!r} was expected"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{where}: {value!r} is not one of {schema['enum']!r}"]
    found: list[str] = []
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            found.append(f"{where}: {value!r} is too short")
        if "pattern" in schema and not _pattern(schema["pattern"]).search(value):
            found.append(f"{where}: {value!r} does not match {schema['pattern']!r}")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            found.append(f"{where}: {value!r} is less than the minimum of {schema['minimum']}")
        if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
            found.append(f"{where}: {value!r} is not above {schema['exclusiveMinimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            found.append(f"{where}: {value!r} is greater than the maximum of {schema['maximum']}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            found.append(f"{where}: should be non-empty")
        if "items" in schema:
            for i, item in enumerate(value):
                found.extend(
                    _errors(item, schema["items"], root, f"{path}.{i}" if path else str(i))
                )
    if isinstance(value, dict):
        for name in schema.get("required", ()):
            if name not in value:
                found.append(f"{path + '.' if path else ''}{name}: is required")
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        names = schema.get("propertyNames")
        for key, item in value.items():
            sub = f"{path}.{key}" if path else str(key)
            if names is not None:
                found.extend(_errors(key, names, root, sub))
            if key in props:
                found.extend(_errors(item, props[key], root, sub))
            elif extra is False:
                found.append(f"{sub}: is not a known field (check the spelling)")
            elif isinstance(extra, dict):
                found.extend(_errors(item, extra, root, sub))
    return found


def find_errors(doc: Mapping[str, Any], kind: str) -> list[str]:
    schema = load_schema(kind)
    return sorted(_errors(to_jsonable(dict(doc)), schema, schema, ""))


def validate(doc: Mapping[str, Any], kind: str, *, where: str) -> None:
    """Raise InvalidRecord naming ``where`` and the first bad field."""
    errors = find_errors(doc, kind)
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise InvalidRecord(f"{where}: {errors[0]}{more}")
