"""YAML read and written as DVC does: YAML 1.2 scalars, block style, no line wrapping.

PyYAML implements YAML 1.1, where ``1e-3`` is a string and ``yes``/``on`` are booleans;
DVC reads ``dvc.yaml``, ``dvc.lock`` and ``params.yaml`` as YAML 1.2, where ``1e-3`` is a
float and ``yes`` is a string. The loader and dumper here swap PyYAML's implicit scalar
rules for the YAML 1.2 core schema's, so values (and ``dvc.lock`` diffs) agree with DVC.
Timestamps stay strings. The C-accelerated classes are used when libyaml is present.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from gitml.pipelines.errors import PipelineError

_TAG = "tag:yaml.org,2002:"
_REPLACED = {f"{_TAG}{name}" for name in ("bool", "int", "float", "null", "timestamp")}
_RULES = (
    (f"{_TAG}bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), "tTfF"),
    (f"{_TAG}int", re.compile(r"^(?:[-+]?[0-9]+|0x[0-9a-fA-F]+)$"), "-+0123456789"),
    (
        f"{_TAG}float",
        re.compile(
            r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
            r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
        ),
        "-+0123456789.",
    ),
)
_NULL = (f"{_TAG}null", re.compile(r"^(?:~|null|Null|NULL|)$"), ("~", "n", "N", ""))


def _construct_int(loader: Any, node: Any) -> int:
    text = str(loader.construct_scalar(node))
    return int(text, 16) if text.startswith("0x") else int(text, 10)


def _yaml12(base: type) -> type:
    """A subclass of a PyYAML loader or dumper that resolves plain scalars as YAML 1.2."""
    cls: Any = type(f"Yaml12{base.__name__}", (base,), {})
    kept: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}
    for first, rules in base.yaml_implicit_resolvers.items():  # type: ignore[attr-defined]
        rest = [(tag, rx) for tag, rx in rules if tag not in _REPLACED]
        if rest:
            kept[first] = rest
    cls.yaml_implicit_resolvers = kept
    for tag, regex, first in (*_RULES, _NULL):
        cls.add_implicit_resolver(tag, regex, list(first))
    if hasattr(cls, "add_constructor"):
        cls.add_constructor(f"{_TAG}int", _construct_int)
    return cls  # type: ignore[no-any-return]


@functools.cache
def _classes() -> tuple[Any, Any]:
    try:
        import yaml
    except ImportError:
        raise PipelineError(
            "dvc.yaml, dvc.lock and params.yaml need PyYAML; install it with "
            "`pip install 'gitml[yaml]'`"
        ) from None
    loader = _yaml12(getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    dumper = _yaml12(getattr(yaml, "CSafeDumper", yaml.SafeDumper))
    return loader, dumper


def loads(text: str, *, where: str) -> Any:
    """The document in ``text``; a ``PipelineError`` naming ``where``, line and column."""
    import yaml

    loader, _ = _classes()
    try:
        return yaml.load(text, Loader=loader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise PipelineError(f"{where}: invalid YAML: {place}{problem}") from None


def dumps(data: Any) -> str:
    """Block-style YAML with keys in the order given and long strings never wrapped."""
    import yaml

    _, dumper = _classes()
    text: str = yaml.dump(
        data,
        Dumper=dumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=1 << 30,
    )
    return text
