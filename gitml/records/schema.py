"""JSON Schema validation of records and tracked files (Draft 2020-12).

Validation runs on gitml's compiled interpreter (``validator.py``) so that no command
pays for importing jsonschema; ``strict=True`` uses jsonschema itself (slower, for
``git ml check`` and the tests that hold the two to the same verdicts).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from gitml.errors import InvalidRecord
from gitml.records.codec import to_jsonable
from gitml.resources import resource_dir

SCHEMA_PREFIX = "gitml/"


def schema_kind(schema_tag: str) -> str:
    """``gitml/run/1`` -> ``run``."""
    parts = schema_tag.split("/")
    if len(parts) != 3 or parts[0] != "gitml" or not parts[2].isdigit():
        raise ValueError(f"not a gitml schema tag: {schema_tag!r}")
    return parts[1]


def iter_schema_files() -> Iterator[tuple[str, Any]]:
    """Every shipped schema as (kind, parsed JSON)."""
    for path in sorted(resource_dir("schemas").glob("*.schema.json")):
        yield path.name.removesuffix(".schema.json"), json.loads(path.read_text("utf-8"))


@cache
def _validator(kind: str) -> Any:
    from jsonschema import Draft202012Validator

    path = resource_dir("schemas") / f"{kind}.schema.json"
    if not path.is_file():
        raise InvalidRecord(f"no schema for record kind {kind!r} (expected {path.name})")
    schema = json.loads(path.read_text("utf-8"))
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _field(error: Any) -> str:
    parts = [str(p) for p in error.absolute_path]
    if error.validator == "required" and error.message.startswith("'"):
        parts.append(error.message.split("'")[1])
    if error.validator == "additionalProperties" and "'" in error.message:
        parts.append(error.message.split("'")[1])
    return ".".join(parts) or "(top level)"


def _message(error: Any) -> str:
    if error.validator == "required":
        return "is required"
    if error.validator == "additionalProperties":
        return "is not a known field (check the spelling)"
    return str(error.message)


def find_errors(doc: Mapping[str, Any], kind: str, *, strict: bool = False) -> list[str]:
    """All validation errors as ``field: message`` strings, sorted by field."""
    if not strict:
        from gitml.records import validator

        path = resource_dir("schemas") / f"{kind}.schema.json"
        if not path.is_file():
            raise InvalidRecord(f"no schema for record kind {kind!r} (expected {path.name})")
        return validator.find_errors(doc, kind)
    errors = sorted(
        _validator(kind).iter_errors(to_jsonable(dict(doc))), key=lambda e: list(e.absolute_path)
    )
    return [f"{_field(e)}: {_message(e)}" for e in errors]


def validate(doc: Mapping[str, Any], kind: str, *, where: str, strict: bool = False) -> None:
    """Raise InvalidRecord naming ``where`` and the first bad field."""
    errors = find_errors(doc, kind, strict=strict)
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise InvalidRecord(f"{where}: {errors[0]}{more}")


def validate_record(doc: Mapping[str, Any], *, where: str, strict: bool = False) -> str:
    """Validate a record by its own ``schema`` tag; return its kind."""
    tag = doc.get("schema")
    if not isinstance(tag, str):
        raise InvalidRecord(f'{where}: schema: is required (e.g. schema = "gitml/run/1")')
    try:
        kind = schema_kind(tag)
    except ValueError:
        raise InvalidRecord(f"{where}: schema: {tag!r} is not a gitml schema tag") from None
    validate(doc, kind, where=where, strict=strict)
    return kind
