"""The DAG of stages: an edge wherever a stage's dependency overlaps another's output.

Edges go from a stage to the stages it depends on (DVC's direction). A dependency
depends on the output that contains it, or on every output inside it when it is a
folder. Two stages writing one path, an output inside another output, a stage file
inside an output, and cycles are errors naming the stages. The execution order is
DVC's: a depth-first post-order over the stages in file order, so both tools run the
same stages in the same order.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from gitml.pipelines.errors import PipelineError, at
from gitml.pipelines.model import PipelineFile, Stage


@dataclass(frozen=True)
class Graph:
    """Stages by address (collection order) and, per stage, the stages it depends on."""

    stages: dict[str, Stage]
    upstream: dict[str, tuple[str, ...]]
    producers: dict[str, str]  # output path -> address of the stage writing it

    def downstream(self) -> dict[str, tuple[str, ...]]:
        """Per stage, the stages that depend on it."""
        out: dict[str, list[str]] = {a: [] for a in self.stages}
        for address, ups in self.upstream.items():
            for up in ups:
                out[up].append(address)
        return {a: tuple(v) for a, v in out.items()}

    def producer(self, path: str) -> str | None:
        """The stage whose output is ``path`` or contains it."""
        parts = path.split("/")
        for i in range(1, len(parts) + 1):
            found = self.producers.get("/".join(parts[:i]))
            if found is not None:
                return found
        return None


def _inside(path: str, folder: str) -> bool:
    return path.startswith(folder + "/")


def build_graph(files: Sequence[PipelineFile]) -> Graph:
    """The DAG of every stage in ``files`` (raises ``PipelineError`` for bad pipelines)."""
    stages: dict[str, Stage] = {}
    for file in files:
        for stage in file.stages:
            stages[stage.address] = stage
    producers: dict[str, str] = {}
    for address, stage in stages.items():
        for out in stage.outs:
            other = producers.get(out.repo_path)
            if other is not None:
                raise at(
                    stage.file,
                    stage.name,
                    f"output '{out.repo_path}' is also written by stage '{other}'; "
                    "a path can have one producer",
                )
            producers[out.repo_path] = address
    paths = sorted(producers)
    for path, address in producers.items():
        parts = path.split("/")
        for i in range(1, len(parts)):
            containing = "/".join(parts[:i])
            if containing in producers:
                inner = stages[address]
                raise at(
                    inner.file,
                    inner.name,
                    f"output '{path}' is inside output '{containing}' of stage "
                    f"'{producers[containing]}'; outputs cannot overlap",
                )
    for file in files:
        for path in paths:
            if _inside(file.path, path):
                raise at(file.path, None, f"the stage file is inside output '{path}'")
    upstream: dict[str, tuple[str, ...]] = {}
    for address, stage in stages.items():
        found: list[str] = []
        deps = [d.repo_path for d in stage.deps] + [p.repo_path for p in stage.params]
        for dep in deps:
            parts = dep.split("/")
            for i in range(1, len(parts) + 1):
                owner = producers.get("/".join(parts[:i]))
                if owner is not None:
                    found.append(owner)
            start = bisect.bisect_right(paths, dep + "/")
            for path in paths[start:]:
                if not _inside(path, dep):
                    break
                found.append(producers[path])
        upstream[address] = tuple(dict.fromkeys(found))
    graph = Graph(stages, upstream, producers)
    _check_acyclic(graph)
    return graph


def _check_acyclic(graph: Graph) -> None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in graph.stages:
        if state.get(start):
            continue
        path: list[str] = [start]
        iters = [iter(graph.upstream[start])]
        state[start] = 1
        while iters:
            nxt = next(iters[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                iters.pop()
                continue
            if state.get(nxt) == 1:
                cycle = [*path[path.index(nxt) :], nxt]
                stage = graph.stages[nxt]
                shown = " -> ".join(f"'{a}'" for a in cycle)
                if len(cycle) == 2:
                    raise at(stage.file, stage.name, "depends on its own output (a cycle)")
                raise at(stage.file, stage.name, f"is part of a cycle: {shown}")
            if not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                iters.append(iter(graph.upstream[nxt]))


def _postorder(
    nodes: Iterable[str], edges: dict[str, tuple[str, ...]], allowed: set[str] | None = None
) -> list[str]:
    """networkx's ``dfs_postorder_nodes``: each node after everything it reaches."""
    seen: set[str] = set()
    order: list[str] = []
    for start in nodes:
        if start in seen or (allowed is not None and start not in allowed):
            continue
        seen.add(start)
        stack = [(start, iter(edges[start]))]
        while stack:
            node, children = stack[-1]
            for child in children:
                if child not in seen and (allowed is None or child in allowed):
                    seen.add(child)
                    stack.append((child, iter(edges[child])))
                    break
            else:
                stack.pop()
                order.append(node)
    return order


def active_upstream(graph: Graph) -> dict[str, tuple[str, ...]]:
    """Edges with frozen stages cut off from what they depend on (as DVC does)."""
    return {a: () if graph.stages[a].frozen else ups for a, ups in graph.upstream.items()}


def resolve_targets(graph: Graph, targets: Sequence[str]) -> list[str]:
    """Stage addresses named by ``targets``: ``name``, ``file:name``, a foreach group, a file."""
    found: list[str] = []
    for target in targets:
        matched = _match(graph, target)
        if not matched:
            known = ", ".join(list(graph.stages)[:10])
            raise PipelineError(
                f"no stage '{target}' in the pipeline (stages: {known or 'none'}); "
                "`git ml dag` lists them"
            )
        found.extend(matched)
    return list(dict.fromkeys(found))


def _match(graph: Graph, target: str) -> list[str]:
    if target in graph.stages:
        return [target]
    file, colon, name = target.rpartition(":")
    stages = graph.stages.values()
    if not colon:
        file, name = "dvc.yaml", target
    if name == "" or target.endswith(("dvc.yaml", "/")):
        wanted = target.rstrip("/")
        wanted = wanted if wanted.endswith("dvc.yaml") else f"{wanted}/dvc.yaml"
        return [s.address for s in stages if s.file == wanted.removeprefix("./")]
    return [
        s.address
        for s in stages
        if s.file == file.removeprefix("./") and (s.name == name or s.name.startswith(name + "@"))
    ]


def plan(
    graph: Graph,
    targets: Sequence[str] = (),
    *,
    downstream: bool = False,
    single_item: bool = False,
) -> list[str]:
    """The stages ``repro`` considers, in execution order (DVC's ``plan_repro``)."""
    edges = active_upstream(graph)
    if not targets:
        return _postorder(graph.stages, edges)
    sources = resolve_targets(graph, targets)
    if single_item:
        return sources
    if downstream:
        reverse: dict[str, list[str]] = {a: [] for a in graph.stages}
        for address, ups in edges.items():
            for up in ups:
                reverse[up].append(address)
        walk = {a: tuple(v) for a, v in reverse.items()}
    else:
        walk = edges
    chosen: set[str] = set()
    for source in sources:
        chosen.update(_postorder([source], walk))
    return _postorder(graph.stages, edges, chosen)
