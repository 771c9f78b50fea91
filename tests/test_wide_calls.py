"""A value type of more than three fields is built with keywords, whatever declares it.

A keyword-only dataclass refuses positional fields at run time; a ``NamedTuple`` (cheaper to
create at import, so the start-up path uses it) cannot. This check holds both to the same
rule: a call of such a class names every field past the third.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GITML = ROOT / "gitml"
MOST_POSITIONAL = 3


def _modules(root: Path) -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(root.rglob("*.py")):
        yield path.relative_to(root.parent).as_posix(), ast.parse(path.read_text("utf-8"))


def _is_value_type(node: ast.ClassDef) -> bool:
    bases = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases}
    if "NamedTuple" in bases:
        return True
    for deco in node.decorator_list:
        target = deco.func if isinstance(deco, ast.Call) else deco
        if (isinstance(target, ast.Name) and target.id == "dataclass") or (
            isinstance(target, ast.Attribute) and target.attr == "dataclass"
        ):
            return True
    return False


def _field_count(node: ast.ClassDef) -> int:
    return sum(
        1
        for item in node.body
        if isinstance(item, ast.AnnAssign)
        and isinstance(item.target, ast.Name)
        and "ClassVar" not in ast.unparse(item.annotation)
    )


def wide_types(modules: list[tuple[str, ast.Module]]) -> set[str]:
    """Names of the dataclasses and NamedTuples with more than three fields."""
    return {
        node.name
        for _, tree in modules
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
        and _is_value_type(node)
        and _field_count(node) > MOST_POSITIONAL
    }


def positional_calls(root: Path) -> list[str]:
    """``path:line Name`` for each call of a wide type with more than three positionals
    written out (a stored row unpacked with ``*row`` is decoding, not a call site)."""
    modules = list(_modules(root))
    wide = wide_types(modules)
    found = []
    for where, tree in modules:
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name not in wide:
                continue
            written = [arg for arg in node.args if not isinstance(arg, ast.Starred)]
            if len(written) > MOST_POSITIONAL:
                found.append(f"{where}:{node.lineno} {name}")
    return found


def test_wide_value_types_are_built_with_keywords() -> None:
    assert positional_calls(GITML) == []


def test_a_positional_call_of_either_kind_is_found(tmp_path: Path) -> None:
    pkg = tmp_path / "gitml"
    pkg.mkdir()
    (pkg / "a.py").write_text(
        "from typing import NamedTuple\n"
        "from dataclasses import dataclass\n"
        "class Wide(NamedTuple):\n    a: int\n    b: int\n    c: int\n    d: int\n"
        "@dataclass(frozen=True)\nclass Also:\n    a: int\n    b: int\n    c: int\n    d: int\n"
        "class Narrow(NamedTuple):\n    a: int\n    b: int\n    c: int\n"
    )
    (pkg / "b.py").write_text(
        "from gitml.a import Also, Narrow, Wide\n"
        "Wide(1, 2, 3, 4)\n"
        "Wide(1, 2, 3, d=4)\n"
        "Also(1, 2, 3, 4)\n"
        "Also(*range(4))\n"
        "Narrow(1, 2, 3)\n"
    )
    assert positional_calls(pkg) == ["gitml/b.py:2 Wide", "gitml/b.py:4 Also"]
