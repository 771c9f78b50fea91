"""``git ml check --self-test``: the installation's schemas and resources are intact."""

from __future__ import annotations

from pathlib import Path

from gitml.errors import InvalidRecord
from gitml.records import codec
from gitml.records.schema import find_errors, iter_schema_files
from gitml.resources import resource_dir

SHIPPED_HOOKS = (
    "git-hook-shim.sh",
    "README.md",
    "github/gitml-check.yml",
    "github/gitml-apply.yml",
    "gitlab/gitml.gitlab-ci.yml",
)


def self_test() -> list[str]:
    """Problems with shipped schemas, templates and hook files (empty: all good)."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    problems: list[str] = []
    kinds = []
    for kind, schema in iter_schema_files():
        kinds.append(kind)
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            problems.append(f"schemas/{kind}.schema.json: {exc.message}")
    if not kinds:
        problems.append("no schemas shipped")
    templates = Path(__file__).resolve().parent.parent / "_resources"
    for path in sorted(templates.glob("*.toml")):
        kind = path.stem
        try:
            doc = codec.loads(path.read_bytes(), where=path.name)
        except InvalidRecord as exc:
            problems.append(str(exc))
            continue
        for strict in (False, True):
            problems.extend(f"{path.name}: {e}" for e in find_errors(doc, kind, strict=strict))
    try:
        hooks = resource_dir("hooks")
    except FileNotFoundError as exc:
        return [*problems, str(exc)]
    for name in SHIPPED_HOOKS:
        if not (hooks / name).is_file():
            problems.append(f"hooks/{name} is missing")
    return problems
