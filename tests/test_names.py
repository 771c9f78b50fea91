"""Public class names are unique across gitml, so a name says which class it is."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GITML = ROOT / "gitml"


def duplicated_class_names(root: Path) -> dict[str, list[str]]:
    """Public class names defined in more than one module below ``root``."""
    where: dict[str, list[str]] = defaultdict(list)
    for path in sorted(root.rglob("*.py")):
        if path.is_relative_to(root / "demo" / "project"):  # the demo's user code
            continue
        if path.is_relative_to(root / "tracking" / "integrations"):
            continue  # each framework's callback is GitmlCallback by design, one per module
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                where[node.name].append(path.relative_to(root.parent).as_posix())
    return {name: paths for name, paths in where.items() if len(paths) > 1}


def test_no_class_name_is_defined_twice() -> None:
    assert duplicated_class_names(GITML) == {}


def test_a_second_definition_is_found(tmp_path: Path) -> None:
    pkg = tmp_path / "gitml"
    (pkg / "a").mkdir(parents=True)
    (pkg / "a" / "x.py").write_text("class Finding:\n    pass\n")
    (pkg / "b.py").write_text("def f():\n    class Finding: ...\n")
    assert duplicated_class_names(pkg) == {"Finding": ["gitml/a/x.py", "gitml/b.py"]}
