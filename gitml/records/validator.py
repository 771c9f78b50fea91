"""A compiled interpreter for the subset of JSON Schema that ``schemas/`` uses.

Importing ``jsonschema`` costs about 60 ms, more than half of the ``git ml run``
overhead budget, so every record and tracked file is validated with this interpreter
(type, const, enum, required, properties, additionalProperties, propertyNames, items,
min/maxItems, min/maxLength, pattern, minimum, maximum, exclusive bounds, allOf, anyOf,
oneOf, if/then/else, local ``$ref``; the ``date-time`` and ``date`` formats). A schema using any other keyword is refused, and the test suite
holds this validator to jsonschema's verdicts on every schema.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, time
from functools import cache
from typing import TYPE_CHECKING, Any

from gitml.errors import InvalidRecord
from gitml.resources import resource_dir

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject

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
        "maxItems",
        "maxLength",
        "exclusiveMaximum",
        "allOf",
        "anyOf",
        "oneOf",
        "if",
        "then",
        "else",
    }
)


@cache
def load_schema(kind: str) -> JsonObject:
    path = resource_dir("schemas") / f"{kind}.schema.json"
    schema: JsonObject = json.loads(path.read_text("utf-8"))
    return schema


_DATE_TYPES = (datetime, date, time)
_FORMATS = {  # compiled (``_pattern``) when a schema uses them
    "date-time": r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(?:\.\d+)?(?:[Zz]|[+-]\d\d:\d\d)",
    "date": r"\d{4}-\d\d-\d\d",
}


@cache
def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(text)


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, float):
        return value.is_integer()
    return isinstance(value, int)


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, int)


_TYPE_TESTS: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": _is_integer,
    "number": _is_number,
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def _type_test(kinds: list[str]) -> Callable[[Any], bool] | None:
    if not kinds:
        return None
    tests = [_TYPE_TESTS[k] for k in kinds]
    if len(tests) == 1:
        return tests[0]
    return lambda v: any(test(v) for test in tests)


# A path is built only when an error names it: ``""`` (the top level), a plain string, or
# ``(parent path, key)`` pairs, rendered by ``_render``.
FieldPath = Any
Check = Callable[[Any, FieldPath], Sequence[str]]
_OK: tuple[str, ...] = ()  # what a passing check returns


def _render(path: FieldPath) -> str:
    if not isinstance(path, tuple):
        return str(path)
    base = _render(path[0])
    return f"{base}.{path[1]}" if base else str(path[1])


def _where(path: FieldPath) -> str:
    return _render(path) or "(top level)"


_BUILDING = threading.Lock()
"""Held while a checker is built after ``checker`` returned: records are validated from
several threads (the UI's server, sweep and queue pools)."""


class _Properties:
    """The checkers of an object's properties, each built when a record first has it
    (a record holds few of the optional tables its schema describes)."""

    def __init__(
        self, schemas: Mapping[str, Any], root: Mapping[str, Any], cache: dict[int, Check]
    ) -> None:
        self.schemas = schemas
        self.root = root
        self.cache = cache
        self.built: dict[str, Check] = {}

    def get(self, key: str) -> Check | None:
        found = self.built.get(key)
        if found is None and key in self.schemas:
            with _BUILDING:  # a $ref being built is a placeholder in the shared cache
                found = self.built.get(key)
                if found is None:
                    found = _compile(self.schemas[key], self.root, self.cache)
                    self.built[key] = found
        return found


def _known(schema: Mapping[str, Any]) -> None:
    """ValueError when ``schema`` itself uses a keyword not interpreted here."""
    unknown = set(schema) - _SUPPORTED
    if unknown:
        raise ValueError(
            f"schema keyword(s) {sorted(unknown)} not supported by gitml.records.validator"
        )


def _refuse_unknown(schema: Any) -> None:
    """``_known`` for ``schema`` and every schema inside it, before any is compiled."""
    if not isinstance(schema, Mapping):
        return
    _known(schema)
    for key in ("$defs", "properties"):
        for sub in schema.get(key, {}).values():
            _refuse_unknown(sub)
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key, ()):
            _refuse_unknown(sub)
    for key in ("if", "then", "else", "items", "additionalProperties", "propertyNames"):
        _refuse_unknown(schema.get(key))


def _compile(schema: Mapping[str, Any], root: Mapping[str, Any], cache: dict[int, Check]) -> Check:
    """A checker for ``schema`` (built once per schema node; local refs and properties
    resolved on first use). ``checker`` refused unknown keywords in the whole schema."""
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
    pattern: str | None = schema.get("pattern")
    # A long pattern says less than the rule it states: show the rule when one is given.
    pattern_rule = (
        f"breaks the rule: {schema['description']}"
        if pattern is not None and len(pattern) > 60 and "description" in schema
        else f"does not match {pattern!r}"
        if pattern is not None
        else ""
    )
    minimum, exclusive, maximum = (
        schema.get("minimum"),
        schema.get("exclusiveMinimum"),
        schema.get("maximum"),
    )
    min_items = schema.get("minItems", 0)
    max_items = schema.get("maxItems")
    max_length = schema.get("maxLength")
    fmt_text = _FORMATS.get(str(schema.get("format", "")))
    fmt = _pattern(fmt_text) if fmt_text is not None else None
    exclusive_max = schema.get("exclusiveMaximum")
    all_of = [_compile(s, root, cache) for s in schema.get("allOf", ())]
    any_of = [_compile(s, root, cache) for s in schema.get("anyOf", ())]
    one_of = [_compile(s, root, cache) for s in schema.get("oneOf", ())]
    if_check = _compile(schema["if"], root, cache) if "if" in schema else None
    then_check = _compile(schema["then"], root, cache) if "then" in schema else None
    else_check = _compile(schema["else"], root, cache) if "else" in schema else None
    items = _compile(schema["items"], root, cache) if "items" in schema else None
    required = list(schema.get("required", ()))
    props = _Properties(schema.get("properties", {}), root, cache)
    extra_schema = schema.get("additionalProperties", True)
    closed = extra_schema is False
    extra = _compile(extra_schema, root, cache) if isinstance(extra_schema, dict) else None
    names = _compile(schema["propertyNames"], root, cache) if "propertyNames" in schema else None
    type_ok = _type_test(kinds)

    def type_error(value: Any, path: FieldPath) -> list[str]:
        return [f"{_where(path)}: {value!r} is not of type {' or '.join(repr(k) for k in kinds)}"]

    if type_ok is not None and not (set(schema) - {"type", "title", "description"}):

        def check_type(value: Any, path: FieldPath) -> Sequence[str]:
            if type(value) in _DATE_TYPES:
                value = value.isoformat()
            return _OK if type_ok(value) else type_error(value, path)

        return check_type

    combines = bool(all_of or any_of or one_of or if_check is not None)
    string_rules = bool(min_length or max_length is not None or fmt or pattern)
    number_rules = any(b is not None for b in (minimum, exclusive, maximum, exclusive_max))
    array_rules = bool(min_items or max_items is not None or items is not None)

    def check(value: Any, path: FieldPath) -> list[str]:
        if type(value) in _DATE_TYPES:
            value = value.isoformat()
        if type_ok is not None and not type_ok(value):
            return type_error(value, path)
        if has_const and value != const:
            return [f"{_where(path)}: {const!r} was expected"]
        if enum is not None and value not in enum:
            return [f"{_where(path)}: {value!r} is not one of {enum!r}"]
        found: list[str] = []
        if combines:
            for sub_check in all_of:
                found.extend(sub_check(value, path))
            if any_of and all(sub_check(value, path) for sub_check in any_of):
                found.append(f"{_where(path)}: {value!r} matches none of the allowed shapes")
            if one_of and sum(1 for sub_check in one_of if not sub_check(value, path)) != 1:
                found.append(f"{_where(path)}: {value!r} must match exactly one allowed shape")
            if if_check is not None:
                branch = then_check if not if_check(value, path) else else_check
                if branch is not None:
                    found.extend(branch(value, path))
        if isinstance(value, dict):
            for name in required:
                if name not in value:
                    found.append(f"{_render((path, name))}: is required")
            for key, item in value.items():
                sub = (path, key)
                if names is not None:
                    found.extend(names(key, sub))
                checker = props.get(key)
                if checker is not None:
                    found.extend(checker(item, sub))
                elif closed:
                    found.append(f"{_render(sub)}: is not a known field (check the spelling)")
                elif extra is not None:
                    found.extend(extra(item, sub))
        elif string_rules and isinstance(value, str):
            if len(value) < min_length:
                found.append(f"{_where(path)}: {value!r} is too short")
            if max_length is not None and len(value) > max_length:
                found.append(f"{_where(path)}: {value!r} is too long")
            if fmt is not None and not fmt.fullmatch(value):
                found.append(f"{_where(path)}: {value!r} is not a {schema['format']!r}")
            if pattern is not None and not _pattern(pattern).search(value):
                found.append(f"{_where(path)}: {value!r} {pattern_rule}")
        elif number_rules and isinstance(value, int | float) and not isinstance(value, bool):
            if minimum is not None and value < minimum:
                found.append(f"{_where(path)}: {value!r} is less than the minimum of {minimum}")
            if exclusive is not None and value <= exclusive:
                found.append(f"{_where(path)}: {value!r} is not above {exclusive}")
            if maximum is not None and value > maximum:
                found.append(f"{_where(path)}: {value!r} is greater than the maximum of {maximum}")
            if exclusive_max is not None and value >= exclusive_max:
                found.append(f"{_where(path)}: {value!r} is not below {exclusive_max}")
        elif array_rules and isinstance(value, list):
            if len(value) < min_items:
                found.append(f"{_where(path)}: has fewer than {min_items} item(s)")
            if max_items is not None and len(value) > max_items:
                found.append(f"{_where(path)}: has more than {max_items} item(s)")
            if items is not None:
                for i, item in enumerate(value):
                    found.extend(items(item, (path, i)))
        return found

    return check


@cache
def checker(kind: str) -> Check:
    schema = load_schema(kind)
    _refuse_unknown(schema)
    return _compile(schema, schema, {})


def find_errors(doc: Mapping[str, Any], kind: str) -> list[str]:
    """Errors of ``doc`` as parsed from TOML (dates are checked as their ISO 8601 text)."""
    return sorted(checker(kind)(doc, ""))


def validate(doc: Mapping[str, Any], kind: str, *, where: str) -> None:
    """Raise InvalidRecord naming ``where`` and the first bad field."""
    errors = find_errors(doc, kind)
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise InvalidRecord(f"{where}: {errors[0]}{more}")
