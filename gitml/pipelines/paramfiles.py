"""Params files as DVC reads them: YAML 1.2, JSON or TOML, keys selected by dotted path."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitml.pipelines import yamlfile
from gitml.pipelines.errors import PipelineError
from gitml.records import codec

if TYPE_CHECKING:
    from gitml.records.shapes import Params

SUFFIXES = (".yaml", ".yml", ".json", ".toml")
_MISSING = object()


class ParamsCache:
    """Parsed params files by path, each read at most once per command."""

    def __init__(self) -> None:
        self._docs: dict[Path, Params | None] = {}

    def load(self, path: Path, shown: str) -> Params | None:
        """The table in ``path`` (``None`` when the file does not exist)."""
        if path not in self._docs:
            self._docs[path] = load_params(path, shown)
        return self._docs[path]

    def forget(self) -> None:
        self._docs.clear()


def load_params(path: Path, shown: str) -> Params | None:
    """The top-level table of a params file, ``None`` if it is missing."""
    if not shown.endswith(SUFFIXES):
        raise PipelineError(
            f"{shown}: params files must be YAML, JSON or TOML ({', '.join(SUFFIXES)})"
        )
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise PipelineError(f"{shown}: is a folder, not a params file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PipelineError(f"{shown}: cannot read: {exc}") from None
    if shown.endswith((".yaml", ".yml")):
        doc = yamlfile.loads(text, where=shown)
    elif shown.endswith(".json"):
        import json

        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise PipelineError(f"{shown}: invalid JSON: line {exc.lineno}: {exc.msg}") from None
    else:
        try:
            doc = codec.parse(text)
        except codec.TOMLDecodeError as exc:
            raise PipelineError(f"{shown}: invalid TOML: {exc}") from None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise PipelineError(f"{shown}: must hold a table of params, not {type(doc).__name__}")
    return doc


def select(doc: Any, key: str) -> Any:
    """The value at dotted ``key`` (list items by index), or ``MISSING``."""
    node = doc
    for part in key.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
    return node


def is_missing(value: Any) -> bool:
    return value is _MISSING


def flatten(doc: Mapping[str, Any], prefix: str = "") -> Params:
    """Nested tables as dotted keys (lists and scalars are values)."""
    out: Params = {}
    for key, value in doc.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            out.update(flatten(value, name + "."))
        elif not isinstance(value, Mapping):
            out[name] = value
    return out
