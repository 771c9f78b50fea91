"""Walking the graph: runs found by the digests they recorded, one level at a time."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal

from gitml.errors import GitmlError, UsageError
from gitml.lineage.nodes import (
    DIRECTIONS,
    MAX_NODES,
    Datasets,
    Lineage,
    Node,
    data_node,
    model_node,
    run_node,
)
from gitml.lineage.start import model_stages, start_node, versions_of_runs
from gitml.records.typed import typed
from gitml.runs.store import RUN_KIND, get_run, open_index

if TYPE_CHECKING:
    from gitml.records.shapes import RunRecord
    from gitml.storage.repo import GitRepo

Side = Literal["inputs", "outputs"]


def runs_with(repo: GitRepo, table: Side, digests: Iterable[str]) -> list[RunRecord]:
    """Runs (not pipeline runs) whose ``table`` (inputs/outputs) holds one of ``digests``."""
    wanted = sorted(set(digests))
    if not wanted:
        return []

    marks = ",".join("?" * len(wanted))
    status = " AND json_extract(doc, '$.status') = 'completed'" if table == "outputs" else ""
    collection, index = open_index(repo)
    try:
        rows = index.rows(
            collection,
            f"EXISTS (SELECT 1 FROM json_each(doc, '$.{table}') WHERE value IN ({marks})) "
            f"AND json_extract(doc, '$.pipeline') IS NULL{status}",
            wanted,
            "id ASC",
            kind=RUN_KIND,
        )
    finally:
        index.close()
    return [typed(r.doc, "run", where=None) for r in rows]


class _Walk:
    def __init__(self, repo: GitRepo, lineage: Lineage, data: Datasets) -> None:
        self.repo = repo
        self.lineage = lineage
        self.data = data
        self.aliases: dict[str, set[str]] = {}  # data key -> digests it stands for
        self.runs: dict[str, RunRecord] = {}

    def add(self, node: Node) -> bool:
        nodes = self.lineage.nodes
        if node.key in nodes:
            return False
        if len(nodes) >= MAX_NODES:
            self.lineage.truncated = True
            return False
        nodes[node.key] = node
        return True

    def run(self, doc: RunRecord) -> Node:
        node = run_node(doc)
        self.runs[node.key] = doc
        self.add(node)
        return self.lineage.nodes.get(node.key, node)

    def data_of(self, key: str, digest: str) -> Node:
        node = data_node(key, digest, self.data)
        name = node.info.get("dataset")
        self.aliases.setdefault(node.key, set()).update(self.data.aliases(name, digest))
        self.add(node)
        return node

    def _candidates(self, table: Side, keys: list[str]) -> dict[str, list[RunRecord]]:
        """Per data node, the runs whose ``table`` holds its content, same path first.

        Identical bytes can sit at several paths; a run that recorded the content under
        the node's own path (or dataset name) is preferred over one that has it elsewhere.
        """
        by_digest: dict[str, list[str]] = {}
        for key in keys:
            for digest in self.aliases[key]:
                by_digest.setdefault(digest, []).append(key)
        found: dict[str, list[RunRecord]] = {key: [] for key in keys}
        for doc in runs_with(self.repo, table, by_digest):
            held = doc[table]
            for key in {k for d in held.values() for k in by_digest.get(d, [])}:
                found[key].append(doc)
        for key, docs in found.items():
            info = self.lineage.nodes[key].info
            names = {info["path"], info.get("dataset")}
            same = [
                d for d in docs if any(d[table].get(n) in self.aliases[key] for n in names if n)
            ]
            found[key] = same or docs
        return found

    def run_data(self, key: str, table: Side) -> list[str]:
        """Data nodes of a run's inputs (edges into it) or outputs (edges out of it)."""
        found = []
        for path, digest in sorted(self.runs[key][table].items()):
            data = self.data_of(path, digest)
            if table == "inputs":
                self.lineage.add_edge(data.key, key)
            else:
                self.lineage.add_edge(key, data.key)
            found.append(data.key)
        return found

    def _run_ids(self, keys: list[str]) -> list[str]:
        return [str(self.lineage.nodes[k].info["id"]) for k in keys if k.startswith("run:")]

    def step_up(self, frontier: list[str]) -> list[str]:
        nxt: list[str] = []
        data_keys: list[str] = []
        for key in frontier:
            node = self.lineage.nodes.get(key)
            if node is None:
                continue
            if node.kind == "model":
                try:
                    doc = get_run(self.repo, str(node.info["run"]))
                except GitmlError:
                    continue
                run = self.run(doc)
                self.lineage.add_edge(run.key, key)
                nxt.append(run.key)
            elif node.kind == "run":
                nxt.extend(self.run_data(key, "inputs"))
            else:
                data_keys.append(key)
        for key, docs in self._candidates("outputs", data_keys).items():
            # The bytes were made before the first run here that read them: the newest
            # such producer made them (a run cache restore records no new run).
            readers = self._run_ids(self.lineage.downstream_of(key))
            bound = min(readers) if readers else None
            made = [d for d in docs if bound is None or d["id"] < bound]
            if made:
                run = self.run(max(made, key=lambda d: d["id"]))
                self.lineage.add_edge(run.key, key)
                nxt.append(run.key)
        return nxt

    def step_down(self, frontier: list[str]) -> list[str]:
        nxt: list[str] = []
        data_keys: list[str] = []
        made: list[str] = []
        for key in frontier:
            node = self.lineage.nodes.get(key)
            if node is None or node.kind == "model":
                continue
            if node.kind == "run":
                made.append(str(node.info["id"]))
                nxt.extend(self.run_data(key, "outputs"))
            else:
                data_keys.append(key)
        for key, docs in self._candidates("inputs", data_keys).items():
            writers = self._run_ids(self.lineage.upstream_of(key))
            bound = max(writers) if writers else None
            for doc in docs:
                if bound is None or doc["id"] > bound:
                    run = self.run(doc)
                    self.lineage.add_edge(key, run.key)
                    nxt.append(run.key)
        versions = versions_of_runs(self.repo, made)
        stages = model_stages(self.repo, versions)
        for version in versions:
            held = stages.get(f"{version['model']}:{version['version']}", [])
            model = model_node(version, held)
            self.add(model)
            self.lineage.add_edge(f"run:{version['run']['id']}", model.key)
        return nxt


def trace(repo: GitRepo, text: str, *, direction: str = "up") -> Lineage:
    """The lineage of the run, model version, dataset or path ``text`` names."""
    if direction not in DIRECTIONS:
        raise UsageError(f"direction {direction!r}: use one of {', '.join(DIRECTIONS)}")
    data = Datasets.of(repo)
    start, digests, run = start_node(repo, text, data)
    lineage = Lineage(start.key, direction)
    walk = _Walk(repo, lineage, data)
    walk.add(start)
    if run is not None:
        walk.runs[start.key] = run
    if start.kind == "data":
        walk.aliases[start.key] = digests or {str(start.info["digest"])}
    steps = {"up": [walk.step_up], "down": [walk.step_down]}.get(
        direction, [walk.step_up, walk.step_down]
    )
    for step in steps:
        seen: set[str] = set()
        frontier = [start.key]
        while frontier and not lineage.truncated:
            seen.update(frontier)
            frontier = [k for k in dict.fromkeys(step(frontier)) if k not in seen]
    return lineage


def run_lineage(repo: GitRepo, run_id: str) -> Lineage:
    """The upstream lineage of one run (what a model card and a promotion show)."""
    return trace(repo, run_id, direction="up")
