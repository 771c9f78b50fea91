"""The import contract: gitml is layered, and a module imports only from its layer or below.

Layers, top first (ARCHITECTURE.md shows the same table, and a test below compares):

    interfaces  gitml cli ui tracking hookrun __main__
    domain      data runs registry governance models monitor lineage pipelines rerun
                integrity sync project validate hooks demo tabular
    objects     objects
    storage     storage config
    records     records query
    foundation  errors _version resources escape atomic units

The check reads every module's syntax tree, so imports inside functions count too.
Packages in one layer may import each other; a new top-level package must be placed.
No two modules import each other, directly or round a loop (imports for type checking
only aside): the caller of two modules sits above both.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GITML = ROOT / "gitml"
# The sample project ``git ml demo`` copies out is user code, not part of the layers.
NOT_LAYERED = (GITML / "demo" / "project",)

LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    ("interfaces", frozenset({"gitml", "cli", "ui", "tracking", "hookrun", "__main__"})),
    (
        "domain",
        frozenset(
            {
                "data",
                "runs",
                "registry",
                "governance",
                "models",
                "monitor",
                "lineage",
                "pipelines",
                "rerun",
                "integrity",
                "sync",
                "project",
                "validate",
                "hooks",
                "demo",
                "tabular",
                "imports",
                "queue",
                "search",
                "cluster",
            }
        ),
    ),
    ("objects", frozenset({"objects"})),
    ("storage", frozenset({"storage", "config"})),
    ("records", frozenset({"records", "query"})),
    ("foundation", frozenset({"errors", "_version", "resources", "escape", "atomic", "units"})),
)
RANK = {name: len(LAYERS) - i for i, (_, names) in enumerate(LAYERS) for name in names}
LAYER_OF = {name: layer for layer, names in LAYERS for name in names}


def unit_of(module: str) -> str:
    """The layered unit of a dotted ``gitml`` module name: its top-level package or module."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "gitml"


def _module_name(rel: str) -> str:
    parts = rel.removesuffix(".py").split("/")
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        base = module.split(".")
        base = base[: len(base) - node.level + (1 if is_package else 0)]
        target = ".".join([*base, *([node.module] if node.module else [])])
    else:
        target = node.module or ""
    if target == "gitml":  # ``from gitml import cli`` names a module, not the facade
        return [f"gitml.{a.name}" if _is_module(a.name) else "gitml" for a in node.names]
    return [target]


def _is_module(name: str) -> bool:
    return (GITML / name).is_dir() or (GITML / f"{name}.py").is_file()


def violations(source: str, rel: str) -> list[str]:
    """The imports in module ``rel`` (``gitml/...py``) that reach a higher layer."""
    module = _module_name(rel)
    own = unit_of(module)
    found: list[str] = []
    for node in ast.walk(ast.parse(source, filename=rel)):
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        for target in _imported(node, module, rel.endswith("__init__.py")):
            if target != "gitml" and not target.startswith("gitml."):
                continue
            unit = unit_of(target)
            if unit == own:
                continue
            if unit not in RANK:
                found.append(f"{rel}:{node.lineno}: imports {target}, which no layer holds")
            elif RANK[unit] > RANK[own]:
                found.append(
                    f"{rel}:{node.lineno}: {LAYER_OF[own]} module imports {target} "
                    f"({LAYER_OF[unit]} layer, above it)"
                )
    return found


def _modules() -> list[Path]:
    return sorted(p for p in GITML.rglob("*.py") if not any(d in p.parents for d in NOT_LAYERED))


def test_every_top_level_package_has_a_layer() -> None:
    units = {unit_of(_module_name(p.relative_to(ROOT).as_posix())) for p in _modules()}
    assert sorted(units - set(RANK)) == []
    assert sorted(set(RANK) - units) == []


def test_no_module_imports_from_a_higher_layer() -> None:
    found = [
        v
        for path in _modules()
        for v in violations(path.read_text("utf-8"), path.relative_to(ROOT).as_posix())
    ]
    assert found == []


@pytest.mark.parametrize(
    ("source", "rel"),
    [
        ("from gitml.cli import main\n", "gitml/storage/repo.py"),
        ("def f():\n    from gitml.registry.store import open_index\n", "gitml/storage/x.py"),
        ("def f():\n    import gitml.tracking\n", "gitml/runs/execute.py"),
        ("from gitml import ui\n", "gitml/records/codec.py"),
        ("from ..cli import main\n", "gitml/data/add.py"),
        ("from gitml.newthing import x\n", "gitml/data/add.py"),
        ("def f():\n    from gitml.data.store import VersionStore\n", "gitml/objects/cache.py"),
    ],
)
def test_a_wrong_way_import_is_found(source: str, rel: str) -> None:
    assert violations(source, rel) != []


@pytest.mark.parametrize(
    ("source", "rel"),
    [
        ("from gitml.storage.repo import GitRepo\n", "gitml/registry/store.py"),
        ("from gitml.registry import store\n", "gitml/governance/engine.py"),
        ("from . import codec\n", "gitml/records/__init__.py"),
        ("from gitml.data.add import add_datasets\n", "gitml/cli/bodies/data_add.py"),
        ("from gitml.objects.cache import Cache\n", "gitml/registry/artifacts.py"),
    ],
)
def test_a_downward_import_passes(source: str, rel: str) -> None:
    assert violations(source, rel) == []


def _type_checking_only(tree: ast.AST) -> set[int]:
    """The ids of nodes inside ``if TYPE_CHECKING:`` blocks."""
    return {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for inner in ast.walk(node)
    }


def module_graph() -> dict[str, set[str]]:
    """The gitml modules each module imports when it runs."""
    paths = {_module_name(p.relative_to(ROOT).as_posix()): p for p in _modules()}
    graph: dict[str, set[str]] = {name: set() for name in paths}
    for name, path in paths.items():
        tree = ast.parse(path.read_text("utf-8"), filename=str(path))
        skipped = _type_checking_only(tree)
        for node in ast.walk(tree):
            if id(node) in skipped or not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            for target in _imported(node, name, path.name == "__init__.py"):
                names = [a.name for a in node.names] if isinstance(node, ast.ImportFrom) else []
                found = [f"{target}.{n}" for n in names if f"{target}.{n}" in paths]
                graph[name].update(found or ([target] if target in paths else []))
        graph[name].discard(name)
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Groups of modules that reach each other through imports (Tarjan's algorithm)."""
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        order[node] = low[node] = len(order)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in order:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], order[nxt])
        if low[node] == order[node]:
            group = [stack.pop()]
            while group[-1] != node:
                group.append(stack.pop())
            if len(group) > 1:
                cycles.append(sorted(group))

    for node in sorted(graph):
        if node not in order:
            visit(node)
    return cycles


def test_no_modules_import_each_other() -> None:
    assert import_cycles(module_graph()) == []


def test_an_import_loop_is_found() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a", "e"}, "e": set()}
    assert import_cycles(graph) == [["a", "b", "c"]]
    assert import_cycles({"a": {"b"}, "b": set()}) == []


def test_the_graph_sees_imports_in_functions_and_of_submodules() -> None:
    graph = module_graph()
    assert "gitml.runs.dispatch" in graph["gitml.cli._runs_cmds"]  # inside a function
    assert "gitml.runs.params" in graph["gitml.runs.dispatch"]  # from gitml.runs import params


def test_architecture_page_shows_the_same_layers() -> None:
    text = (ROOT / "ARCHITECTURE.md").read_text("utf-8")
    block = re.search(r"```text\n(.*?)```", text, re.S)
    assert block is not None, "ARCHITECTURE.md has no ```text block with the layers"
    shown: dict[str, set[str]] = {}
    layer = ""
    for line in block.group(1).splitlines():
        head, _, rest = line.partition(":")
        if rest and head.strip() in {name for name, _ in LAYERS}:
            layer = head.strip()
            shown[layer] = set()
            line = rest
        if layer:
            shown[layer] |= {w.strip(",") for w in line.split()} - {""}
    assert shown == {name: set(names) for name, names in LAYERS}
