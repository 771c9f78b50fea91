"""Imports of gitml modules inside functions: each one has a reason this table names.

A gitml module imports the gitml modules it uses at the top. An import inside a function
is allowed only in a module ``LAZY`` lists, for one of two reasons:

- ``heavy-dependency``: every such import in the module brings a heavy package (a
  third-party one of ``test_startup.HEAVY``, or ``sqlite3``) that the module itself does
  not load; the check reads it off the syntax trees.
- ``startup-path``: the module is on a path with a start-up budget (``git ml -h``, one ``git
  ml run`` or ``rerun``, ``ls``, ``show``, ``model show``, the registry writes, completion,
  the hook entry, ``import gitml.tracking`` in a user's script) and moving the import up
  adds modules to it; ``tests/test_startup.py`` holds those module sets. ``gitml.log_model``
  also runs in the user's environment, which need not hold gitml's own dependencies (TOML
  writer).

An import inside a function only to break an import loop is not among them: the code two
modules share moves below both (``tests/test_layers.py`` finds loops).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache

import pytest

from tests.test_layers import ROOT, _imported, _module_name, _modules, _type_checking_only
from tests.test_startup import HEAVY

# What a module costs to import when it loads one of these.
HEAVY_AT_IMPORT = HEAVY | {"pandas", "sqlite3"}
REASONS = ("heavy-dependency", "startup-path")

LAZY: dict[str, str] = {
    "gitml.cli": "startup-path",
    "gitml.cli._complete": "startup-path",
    "gitml.cli._run_request": "startup-path",
    "gitml.cli._runs_view": "startup-path",
    "gitml.cli._runs_cmds": "startup-path",
    "gitml.cli.bodies.ls": "startup-path",
    "gitml.cli.bodies.model_register": "startup-path",
    "gitml.cli.bodies.registry_apply": "startup-path",
    "gitml.cli.bodies.rerun": "startup-path",
    "gitml.cli.bodies.stages": "startup-path",
    "gitml.cli.bodies.ui": "heavy-dependency",
    "gitml.data.gc": "heavy-dependency",
    "gitml.data.share": "heavy-dependency",
    "gitml.governance.rules": "startup-path",
    "gitml.hookrun": "startup-path",
    "gitml.integrity.layouts": "startup-path",
    "gitml.lineage.nodes": "startup-path",
    "gitml.lineage.start": "startup-path",
    "gitml.models": "startup-path",
    "gitml.monitor.check": "heavy-dependency",
    "gitml.records.schema": "startup-path",
    "gitml.records.typed": "startup-path",
    "gitml.registry.pending": "heavy-dependency",
    "gitml.registry.apply": "startup-path",
    "gitml.registry.artifacts": "startup-path",
    "gitml.registry.promote": "startup-path",
    "gitml.registry.register": "startup-path",
    "gitml.registry.store": "startup-path",
    "gitml.registry.verify": "startup-path",
    "gitml.runs.attached": "startup-path",
    "gitml.runs.companions": "startup-path",
    "gitml.runs.dispatch": "heavy-dependency",
    "gitml.runs.execute": "startup-path",
    "gitml.runs.metrics": "startup-path",
    "gitml.runs.params": "startup-path",
    "gitml.runs.query": "heavy-dependency",
    "gitml.runs.redact": "startup-path",
    "gitml.runs.spool": "startup-path",
    "gitml.runs.store": "startup-path",
    "gitml.storage.index": "startup-path",
    "gitml.sync": "heavy-dependency",
    "gitml.tabular.drift": "heavy-dependency",
    "gitml.tabular.profile": "heavy-dependency",
    "gitml.tabular.serving": "heavy-dependency",
    "gitml.tracking": "startup-path",
    "gitml.tracking.local": "startup-path",
    "gitml.tracking.mlflow_plugin.artifacts": "heavy-dependency",
    "gitml.tracking.mlflow_plugin.registry": "heavy-dependency",
    "gitml.tracking.mlflow_plugin.store": "heavy-dependency",
    "gitml.tracking.models": "startup-path",
    "gitml.tracking.read": "heavy-dependency",
}


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> set[str]:
    """What ``node`` loads: top-level names of other packages, dotted names of gitml's."""
    found: set[str] = set()
    for target in _imported(node, module, is_package):
        if target != "gitml" and not target.startswith("gitml."):
            found.add(target.split(".")[0])
            continue
        parts = target.split(".")
        found |= {".".join(parts[:i]) for i in range(1, len(parts) + 1)}  # parents run first
        if isinstance(node, ast.ImportFrom):
            found |= {f"{target}.{a.name}" for a in node.names if _is_file(f"{target}.{a.name}")}
    return found


def _is_file(module: str) -> bool:
    path = ROOT.joinpath(*module.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _parse(rel: str, source: str | None = None) -> ast.Module:
    return ast.parse(source if source is not None else (ROOT / rel).read_text("utf-8"), rel)


def _imports(tree: ast.Module, *, in_functions: bool) -> Iterator[ast.Import | ast.ImportFrom]:
    """The imports run at module load (``in_functions=False``) or inside functions."""
    skipped = _type_checking_only(tree)

    def visit(node: ast.AST, inside: bool) -> Iterator[ast.Import | ast.ImportFrom]:
        for child in ast.iter_child_nodes(node):
            if id(child) in skipped:
                continue
            if isinstance(child, (ast.Import, ast.ImportFrom)) and inside == in_functions:
                yield child
            funcs = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
            yield from visit(child, inside or isinstance(child, funcs))

    yield from visit(tree, False)


def _rel(module: str) -> str:
    path = ROOT.joinpath(*module.split("."))
    return (
        (path / "__init__.py" if path.is_dir() else path.with_suffix(".py"))
        .relative_to(ROOT)
        .as_posix()
    )


def _top_loads(tree: ast.Module, module: str, rel: str) -> frozenset[str]:
    """What loading ``module`` imports directly: its parents and its top-level imports."""
    parts = module.split(".")
    loads = {".".join(parts[:i]) for i in range(1, len(parts))}
    for node in _imports(tree, in_functions=False):
        loads |= _targets(node, module, rel.endswith("__init__.py"))
    return frozenset(loads - {module})


@cache
def _loads(module: str) -> frozenset[str]:
    return _top_loads(_parse(_rel(module)), module, _rel(module))


def _heavy_behind(loads: frozenset[str], seen: set[str]) -> frozenset[str]:
    """The heavy packages ``loads`` bring, following gitml modules not yet ``seen``."""
    todo = [loads]
    found: set[str] = set()
    while todo:
        for name in todo.pop():
            if name in HEAVY_AT_IMPORT:
                found.add(name)
            elif name.startswith("gitml") and _is_file(name) and name not in seen:
                seen.add(name)
                todo.append(_loads(name))
    return frozenset(found)


@cache
def heavy_packages(module: str) -> frozenset[str]:
    """The heavy packages importing gitml ``module`` loads, read off the syntax trees."""
    return _heavy_behind(frozenset({module}), set())


def unlisted(source: str, rel: str, lazy: dict[str, str]) -> list[str]:
    """The imports of gitml modules inside functions of ``rel`` that ``lazy`` does not allow."""
    module = _module_name(rel)
    reason = lazy.get(module)
    tree = _parse(rel, source)
    found: list[str] = []
    for node in _imports(tree, in_functions=True):
        targets = _targets(node, module, rel.endswith("__init__.py"))
        targets = {t for t in targets if t.startswith("gitml.") and _is_file(t)}
        if not targets:
            continue
        named = sorted(t for t in targets if not any(u.startswith(f"{t}.") for u in targets))
        where = f"{rel}:{node.lineno}: imports {', '.join(named)} in a function"
        if reason is None:
            found.append(f"{where}; import it at the top, or list {module} in LAZY with a reason")
        elif reason == "heavy-dependency":
            brought = set().union(*(heavy_packages(t) for t in targets))
            if not brought - _heavy_behind(_top_loads(tree, module, rel), {module}):
                found.append(f"{where}, which brings no heavy package {module} lacks")
    return found


def test_every_import_in_a_function_has_a_reason() -> None:
    found = [
        problem
        for path in _modules()
        for problem in unlisted(path.read_text("utf-8"), path.relative_to(ROOT).as_posix(), LAZY)
    ]
    assert found == []


def test_every_listed_module_still_imports_in_a_function() -> None:
    assert set(LAZY.values()) <= set(REASONS)
    idle = [
        module
        for module in LAZY
        if not any(
            t.startswith("gitml.")
            for node in _imports(_parse(_rel(module)), in_functions=True)
            for t in _targets(node, module, _rel(module).endswith("__init__.py"))
        )
    ]
    assert idle == []


def test_the_heavy_packages_are_read_through_gitml_modules() -> None:
    assert "sqlite3" in heavy_packages("gitml.runs.store")  # through storage.index
    assert "typer" in heavy_packages("gitml.cli.runs")
    assert {"numpy", "pyarrow"} <= heavy_packages("gitml.tabular._accum")
    assert heavy_packages("gitml.runs.single") == frozenset()
    assert heavy_packages("gitml.storage.repo") == frozenset()  # pygit2 where first needed


@pytest.mark.parametrize(
    ("source", "rel", "lazy"),
    [
        # an unlisted module
        ("def f():\n    from gitml.storage.repo import open_repo\n", "gitml/data/add.py", {}),
        ("def f():\n    from gitml.runs import store\n", "gitml/data/add.py", {}),
        ("class A:\n    def f(self):\n        import gitml.errors\n", "gitml/data/add.py", {}),
        # a heavy-dependency import that brings nothing heavy
        (
            "def f():\n    from gitml.errors import GitmlError\n",
            "gitml/data/gc.py",
            {"gitml.data.gc": "heavy-dependency"},
        ),
        # sqlite3 is no reason where the module loads it already
        (
            "import sqlite3\ndef f():\n    from gitml.runs.store import RunStore\n",
            "gitml/data/gc.py",
            {"gitml.data.gc": "heavy-dependency"},
        ),
        # a command body imports the domain code it calls at the top
        ("def f():\n    from gitml.data.add import add\n", "gitml/cli/bodies/data_add.py", {}),
    ],
)
def test_an_unexplained_import_in_a_function_is_found(
    source: str, rel: str, lazy: dict[str, str]
) -> None:
    assert unlisted(source, rel, lazy) != []


@pytest.mark.parametrize(
    ("source", "rel", "lazy"),
    [
        ("from gitml.storage.repo import open_repo\n", "gitml/data/add.py", {}),
        ("def f():\n    import json\n", "gitml/data/add.py", {}),
        (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from gitml.runs.store import RunStore\n",
            "gitml/data/add.py",
            {},
        ),
        (
            "def f():\n    from gitml.runs import store\n",
            "gitml/data/gc.py",
            {"gitml.data.gc": "heavy-dependency"},
        ),
        (
            "def f():\n    from gitml.tabular import stats\n",
            "gitml/tabular/drift.py",
            {"gitml.tabular.drift": "heavy-dependency"},
        ),
    ],
)
def test_an_explained_import_passes(source: str, rel: str, lazy: dict[str, str]) -> None:
    assert unlisted(source, rel, lazy) == []
