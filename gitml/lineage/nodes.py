"""The nodes and edges of a lineage graph, and the datasets of the work tree."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

from gitml.data.pointers import work_tree_pointers
from gitml.errors import GitmlError
from gitml.objects.digest import parse_digest

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject, ModelVersionRecord, RunRecord
    from gitml.storage.repo import GitRepo

MAX_NODES = 500
DIRECTIONS = ("up", "down", "both")


class Node(NamedTuple):
    """A run (``run:<id>``), data (``data:<path>@<digest>``) or a model (``model:<m>:<v>``)."""

    key: str
    kind: str
    label: str
    info: Mapping[str, Any] = MappingProxyType({})

    def as_dict(self) -> JsonObject:
        return {"key": self.key, "kind": self.kind, "label": self.label, **self.info}


class Lineage:
    """The nodes reached from ``start`` and the edges between them (upstream -> downstream),
    filled in as a walk finds them."""

    def __init__(self, start: str, direction: str) -> None:
        self.start = start
        self.direction = direction
        self.nodes: dict[str, Node] = {}
        self.edges: list[tuple[str, str]] = []
        self.truncated = False

    def add_edge(self, upstream: str, downstream: str) -> None:
        if (upstream, downstream) not in self.edges:
            self.edges.append((upstream, downstream))

    def upstream_of(self, key: str) -> list[str]:
        return [a for a, b in self.edges if b == key]

    def downstream_of(self, key: str) -> list[str]:
        return [b for a, b in self.edges if a == key]

    def as_dict(self) -> JsonObject:
        return {
            "start": self.start,
            "direction": self.direction,
            "nodes": [n.as_dict() for n in self.nodes.values()],
            "edges": [{"from": a, "to": b} for a, b in self.edges],
            "truncated": self.truncated,
        }


class Datasets:
    """Datasets of the work tree: pointers by path and name, version aliases by digest."""

    def __init__(self, repo: GitRepo) -> None:
        self.repo = repo
        self.by_path: dict[str, str] = {}  # path -> dataset name
        self.by_name: dict[str, str] = {}  # name -> path
        self._aliases: dict[str, set[str]] = {}

    @classmethod
    def of(cls, repo: GitRepo) -> Datasets:
        found = cls(repo)
        try:
            for pointer in work_tree_pointers(repo.workdir).values():
                found.by_path[pointer.path] = pointer.name
                found.by_name[pointer.name] = pointer.path
        except GitmlError:
            pass
        return found

    def aliases(self, name: str | None, digest: str) -> set[str]:
        """``digest`` and, for a dataset version, the listing or file digest it stands for."""
        if name is None or name not in self.by_name:
            return {digest}
        if digest not in self._aliases:
            out = {digest}
            # The workspace and version store (with the remotes and dataclasses they load)
            # only for a dataset's versions, which a promotion's pull-request body seldom has.
            from gitml.data.store import VersionStore
            from gitml.data.workspace import DataWorkspace

            try:
                version = VersionStore(DataWorkspace.of_repo(self.repo), fetch=False).find(
                    name, parse_digest(digest)
                )
                if version is not None:
                    out.add(str(version.manifest.listing))
                    if len(version.entries) == 1 and str(version.manifest.kind) == "file":
                        out.add(str(version.entries[0].digest))
            except GitmlError:
                pass
            self._aliases[digest] = out
        return self._aliases[digest]


def run_node(doc: RunRecord) -> Node:
    stage = doc.get("stage")
    info: JsonObject = {
        "id": doc["id"],
        "name": doc["name"],
        "status": doc["status"],
        "started": str(doc["started"]),
        "commit": doc["code"]["commit"],
    }
    label = f"run {doc['id']} {doc['name']}"
    if stage is not None:
        info["stage"] = stage["name"]
        info["stage_file"] = stage["file"]
        info["pipeline_run"] = stage.get("pipeline")
        label += f" (stage {stage['name']})"
    return Node(key=f"run:{doc['id']}", kind="run", label=label, info=info)


def data_node(path: str, digest: str, data: Datasets) -> Node:
    name = data.by_path.get(path) or (path if path in data.by_name else None)
    shown = data.by_name.get(name, path) if name else path
    info: JsonObject = {"path": shown, "digest": digest}
    label = f"{shown} {digest}"
    if name:
        info["dataset"] = name
        label += f" (dataset {name})"
    return Node(key=f"data:{shown}@{digest}", kind="data", label=label, info=info)


def model_node(doc: ModelVersionRecord, stages: Sequence[str] = ()) -> Node:
    info: JsonObject = {
        "model": doc["model"],
        "version": doc["version"],
        "run": doc["run"]["id"],
        "stages": list(stages),
    }
    art = doc.get("artifact")
    if art:
        info["artifact"] = {"path": art["path"], "digest": art["digest"]}
    held = f" ({', '.join(stages)})" if stages else ""
    return Node(
        key=f"model:{doc['model']}:{doc['version']}",
        kind="model",
        label=f"model {doc['model']}:{doc['version']}{held}",
        info=info,
    )
