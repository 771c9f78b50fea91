"""Reading params and metrics files: JSON, YAML or TOML by suffix, one error style."""

from __future__ import annotations

import json
from typing import Any

from gitml.errors import GitmlError
from gitml.records import codec


def load_yaml(text: str, rel: str, error: type[GitmlError]) -> Any:
    """PyYAML's ``safe_load`` (the optional ``yaml`` extra), errors naming line and column."""
    try:
        import yaml
    except ImportError:
        raise error(
            f"{rel}: reading YAML needs PyYAML; install it with `pip install 'gitml[yaml]'`"
        ) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise error(f"{rel}: invalid YAML: {where}{problem}") from None


def load_document(
    text: str,
    rel: str,
    error: type[GitmlError],
    what: str,
    formats: str = ".yaml, .yml, .toml or .json",
) -> Any:
    """The parsed content of a ``what`` file (params, metrics) named ``rel``."""
    if rel.endswith((".yaml", ".yml")):
        return load_yaml(text, rel, error)
    if rel.endswith(".toml"):
        try:
            return codec.parse(text)
        except codec.TOMLDecodeError as exc:
            raise error(f"{rel}: invalid TOML: {exc}") from None
    if rel.endswith(".json"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise error(
                f"{rel}: invalid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}"
            ) from None
    raise error(f"{rel}: unknown {what} format; use {formats}")
