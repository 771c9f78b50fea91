"""Lineage: the runs, data and model versions a result came from, and what came of it.

Runs are linked by content: when a digest one run recorded as an output is a digest
another recorded as an input, the first made what the second read -- whichever way the
runs were made (``git ml repro`` stages, ``git ml run -i/-o``, the Python API). A dataset
version counts as its manifest digest and as the content it lists (the digest of its
file listing, or of its single file), so a stage that read ``data/data.xml`` and a run
that read dataset ``data.xml`` reach the same data. A model version links the run it
was registered from. Pipeline runs only group stage runs and take no part in the
digest links; each stage run names its pipeline run.

This module answers every lineage question (``git ml lineage``, the model card, the
promotion pull request, the UI): ``trace`` walks up (where from) or down (what came of
it) from a run, a model version (``NAME@STAGE``, ``NAME:VERSION``), a dataset or a path.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitml.errors import GitmlError, RecordNotFound, UsageError

if TYPE_CHECKING:
    from gitml.config import Settings
    from gitml.storage.repo import GitRepo

MAX_NODES = 500
DIRECTIONS = ("up", "down", "both")


@dataclass(frozen=True, slots=True)
class Node:
    """A run (``run:<id>``), data (``data:<path>@<digest>``) or a model (``model:<m>:<v>``)."""

    key: str
    kind: str
    label: str
    info: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "kind": self.kind, "label": self.label, **self.info}


@dataclass
class Lineage:
    """The nodes reached from ``start`` and the edges between them (upstream -> downstream)."""

    start: str
    direction: str
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[tuple[str, str]] = field(default_factory=list)
    truncated: bool = False

    def add_edge(self, upstream: str, downstream: str) -> None:
        if (upstream, downstream) not in self.edges:
            self.edges.append((upstream, downstream))

    def upstream_of(self, key: str) -> list[str]:
        return [a for a, b in self.edges if b == key]

    def downstream_of(self, key: str) -> list[str]:
        return [b for a, b in self.edges if a == key]

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "direction": self.direction,
            "nodes": [n.as_dict() for n in self.nodes.values()],
            "edges": [{"from": a, "to": b} for a, b in self.edges],
            "truncated": self.truncated,
        }


# --- finding runs by digest ----------------------------------------------------------------


def _runs_with(repo: GitRepo, table: str, digests: Iterable[str]) -> list[dict[str, Any]]:
    """Runs (not pipeline runs) whose ``table`` (inputs/outputs) holds one of ``digests``."""
    wanted = sorted(set(digests))
    if not wanted:
        return []
    from gitml.runs.store import RUN_KIND, open_index

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
    return [r.doc for r in rows]


@dataclass
class _Data:
    """Datasets of the work tree: pointers by path and name, version aliases by digest."""

    repo: GitRepo
    by_path: dict[str, str] = field(default_factory=dict)  # path -> dataset name
    by_name: dict[str, str] = field(default_factory=dict)  # name -> path
    _aliases: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, repo: GitRepo) -> _Data:
        found = cls(repo)
        try:
            from gitml.data.workspace import DataWorkspace

            for pointer in DataWorkspace.of_repo(repo).pointers().values():
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
            try:
                from gitml.data.digest import parse_digest
                from gitml.data.store import VersionStore
                from gitml.data.workspace import DataWorkspace

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


# --- nodes ---------------------------------------------------------------------------------


def run_node(doc: Mapping[str, Any]) -> Node:
    stage = doc.get("stage") or {}
    info: dict[str, Any] = {
        "id": doc["id"],
        "name": doc["name"],
        "status": doc["status"],
        "started": str(doc.get("started", "")),
        "commit": (doc.get("code") or {}).get("commit"),
    }
    if stage:
        info["stage"] = stage.get("name")
        info["stage_file"] = stage.get("file")
        info["pipeline_run"] = stage.get("pipeline")
    label = f"run {doc['id']} {doc['name']}"
    if stage:
        label += f" (stage {stage.get('name')})"
    return Node(f"run:{doc['id']}", "run", label, info)


def data_node(path: str, digest: str, data: _Data) -> Node:
    name = data.by_path.get(path) or (path if path in data.by_name else None)
    shown = data.by_name.get(name, path) if name else path
    info: dict[str, Any] = {"path": shown, "digest": digest}
    label = f"{shown} {digest}"
    if name:
        info["dataset"] = name
        label += f" (dataset {name})"
    return Node(f"data:{shown}@{digest}", "data", label, info)


def model_node(doc: Mapping[str, Any], stages: Sequence[str] = ()) -> Node:
    info: dict[str, Any] = {
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
        f"model:{doc['model']}:{doc['version']}",
        "model",
        f"model {doc['model']}:{doc['version']}{held}",
        info,
    )


# --- where to start ------------------------------------------------------------------------


def _settings(repo: GitRepo) -> Settings:
    from gitml.config import load_settings

    return load_settings(repo.workdir_or_gitdir)


def _model_stages(repo: GitRepo, docs: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
    """``model:version`` -> the applied stages holding it."""
    if not docs:
        return {}
    from gitml.registry.store import open_index

    settings = _settings(repo)
    models = sorted({str(d["model"]) for d in docs})
    with open_index(repo) as index:
        state = index.state(models, settings.stages, settings.terminal_stages)
    out: dict[str, list[str]] = {}
    for model, held in state.items():
        for stage, value in held.items():
            for version in value if isinstance(value, tuple) else (value,):
                out.setdefault(f"{model}:{version}", []).append(stage)
    return out


def _versions_of_runs(repo: GitRepo, run_ids: Sequence[str]) -> list[dict[str, Any]]:
    if not run_ids:
        return []
    from gitml.registry.store import open_index

    with open_index(repo) as index:
        return index.versions_of_runs(run_ids)


def start_node(repo: GitRepo, text: str, data: _Data) -> tuple[Node, set[str]]:
    """The node ``text`` names and the digests it stands for.

    ``NAME@STAGE``/``NAME:VERSION`` is a model version; a dataset name or a path in the
    work tree is data (its current version); anything else is a run.
    """
    if "@" in text or ":" in text:
        from gitml.registry.query import parse_ref, resolve

        doc = resolve(repo, _settings(repo), parse_ref(text))
        stages = _model_stages(repo, [doc]).get(f"{doc['model']}:{doc['version']}", [])
        return model_node(doc, stages), set()
    if text in data.by_name:
        from gitml.data.workspace import DataWorkspace

        pointer = DataWorkspace.of_repo(repo).pointers()[text]
        digest = str(pointer.manifest)
        return data_node(pointer.path, digest, data), data.aliases(text, digest)
    path = _work_path(repo, text)
    if path is not None:
        digest = _content_digest(repo.workdir, path)
        name = data.by_path.get(path)
        if name is not None:
            from gitml.data.workspace import DataWorkspace

            manifest = str(DataWorkspace.of_repo(repo).pointers()[name].manifest)
            aliases = data.aliases(name, manifest) | {digest}
            return data_node(path, manifest, data), aliases
        return data_node(path, digest, data), {digest}
    from gitml.runs.store import get_run

    try:
        return run_node(get_run(repo, text)), set()
    except (RecordNotFound, GitmlError) as exc:
        raise RecordNotFound(
            f"{text!r} is no run, model version (NAME@STAGE, NAME:VERSION), dataset or path "
            f"in the work tree ({exc})"
        ) from None


def _work_path(repo: GitRepo, text: str) -> str | None:
    """``text`` as a path of the work tree (from the current folder, else from the root)."""
    if repo.is_bare:
        return None
    root = repo.workdir
    for base in (Path.cwd(), root):
        full = (base / text).resolve()
        if full.exists() and (full == root or root in full.parents):
            rel = full.relative_to(root).as_posix()
            if rel != "." and rel != ".git" and not rel.startswith(".git/"):
                return rel
    return None


def _content_digest(root: Path, rel: str) -> str:
    """What a run records for ``rel``: a file's digest, a folder's listing digest."""
    from gitml.data.digest import hash_bytes, hash_file

    path = root / rel
    if path.is_file():
        return str(hash_file(path))
    from gitml.data.ingest import list_files
    from gitml.data.listing import Entry, encode

    cut = len(rel) + 1
    entries = [
        Entry(f[cut:], hash_file(root / f), (root / f).stat().st_size)
        for f in list_files(root, [rel])
    ]
    return str(hash_bytes(encode(entries)))


# --- walking -------------------------------------------------------------------------------


class _Walk:
    def __init__(self, repo: GitRepo, lineage: Lineage, data: _Data) -> None:
        self.repo = repo
        self.lineage = lineage
        self.data = data
        self.aliases: dict[str, set[str]] = {}  # data key -> digests it stands for
        self.runs: dict[str, dict[str, Any]] = {}

    def add(self, node: Node) -> bool:
        nodes = self.lineage.nodes
        if node.key in nodes:
            return False
        if len(nodes) >= MAX_NODES:
            self.lineage.truncated = True
            return False
        nodes[node.key] = node
        return True

    def run(self, doc: dict[str, Any]) -> Node:
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

    def _candidates(self, table: str, keys: list[str]) -> dict[str, list[dict[str, Any]]]:
        """Per data node, the runs whose ``table`` holds its content, same path first.

        Identical bytes can sit at several paths; a run that recorded the content under
        the node's own path (or dataset name) is preferred over one that has it elsewhere.
        """
        by_digest: dict[str, list[str]] = {}
        for key in keys:
            for digest in self.aliases[key]:
                by_digest.setdefault(digest, []).append(key)
        found: dict[str, list[dict[str, Any]]] = {key: [] for key in keys}
        for doc in _runs_with(self.repo, table, by_digest):
            held = doc.get(table) or {}
            for key in {k for d in held.values() for k in by_digest.get(str(d), [])}:
                found[key].append(doc)
        for key, docs in found.items():
            info = self.lineage.nodes[key].info
            names = {info["path"], info.get("dataset")}
            same = [
                d
                for d in docs
                if any(d.get(table, {}).get(n) in self.aliases[key] for n in names if n)
            ]
            found[key] = same or docs
        return found

    def run_data(self, key: str, table: str) -> list[str]:
        """Data nodes of a run's inputs (edges into it) or outputs (edges out of it)."""
        found = []
        for path, digest in sorted((self.runs[key].get(table) or {}).items()):
            data = self.data_of(path, str(digest))
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
                from gitml.runs.store import get_run

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
            made = [d for d in docs if bound is None or str(d["id"]) < bound]
            if made:
                run = self.run(max(made, key=lambda d: str(d["id"])))
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
                if bound is None or str(doc["id"]) > bound:
                    run = self.run(doc)
                    self.lineage.add_edge(key, run.key)
                    nxt.append(run.key)
        versions = _versions_of_runs(self.repo, made)
        stages = _model_stages(self.repo, versions)
        for doc in versions:
            model = model_node(doc, stages.get(f"{doc['model']}:{doc['version']}", []))
            self.add(model)
            self.lineage.add_edge(f"run:{doc['run']['id']}", model.key)
        return nxt


def trace(repo: GitRepo, text: str, *, direction: str = "up") -> Lineage:
    """The lineage of the run, model version, dataset or path ``text`` names."""
    if direction not in DIRECTIONS:
        raise UsageError(f"direction {direction!r}: use one of {', '.join(DIRECTIONS)}")
    data = _Data.of(repo)
    start, digests = start_node(repo, text, data)
    lineage = Lineage(start.key, direction)
    walk = _Walk(repo, lineage, data)
    walk.add(start)
    if start.kind == "run":
        from gitml.runs.store import get_run

        walk.runs[start.key] = get_run(repo, str(start.info["id"]))
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


# --- rendering -----------------------------------------------------------------------------


def tree_lines(lineage: Lineage) -> list[str]:
    """The lineage as an indented tree from its start (upstream, then downstream)."""
    lines: list[str] = []
    nodes = lineage.nodes

    def walk(key: str, prefix: str, last: bool, seen: set[str], up: bool, top: bool) -> None:
        node = nodes[key]
        branch = "" if top else ("└── " if last else "├── ")
        again = key in seen
        suffix = (
            " (see above)"
            if again and (lineage.upstream_of(key) if up else lineage.downstream_of(key))
            else ""
        )
        if node.kind == "data" and up and not lineage.upstream_of(key):
            suffix += " (source)"
        lines.append(f"{prefix}{branch}{_plain(node.label)}{suffix}")
        if again:
            return
        seen.add(key)
        children = lineage.upstream_of(key) if up else lineage.downstream_of(key)
        child_prefix = prefix if top else prefix + ("    " if last else "│   ")
        for i, child in enumerate(children):
            walk(child, child_prefix, i == len(children) - 1, seen, up, False)

    if lineage.direction in ("up", "both"):
        walk(lineage.start, "", True, set(), True, True)
    if lineage.direction in ("down", "both"):
        if lines:
            lines.append("")
        walk(lineage.start, "", True, set(), False, True)
    if lineage.truncated:
        lines.append(f"(stopped after {MAX_NODES} nodes)")
    return lines


def _plain(text: str) -> str:
    """Text for a terminal or a code span: control characters and backticks replaced."""
    return "".join("?" if ord(c) < 32 or c in "`\x7f" else c for c in text)


def upstream_chain(lineage: Lineage) -> list[dict[str, Any]]:
    """The runs from the start upwards, nearest first, each with what it read.

    ``[{"run": {id, name, stage?}, "read": [{path, digest, dataset?, from_run?}]}]``
    """
    steps: list[dict[str, Any]] = []
    seen: set[str] = set()
    queue = deque([lineage.start])
    while queue:
        key = queue.popleft()
        if key in seen:
            continue
        seen.add(key)
        node = lineage.nodes[key]
        if node.kind != "run":
            queue.extend(lineage.upstream_of(key))
            continue
        read = []
        for data_key in lineage.upstream_of(key):
            info = lineage.nodes[data_key].info
            item = {k: info[k] for k in ("path", "digest", "dataset") if k in info}
            producers = lineage.upstream_of(data_key)
            if producers:
                item["from_run"] = lineage.nodes[producers[0]].info["id"]
            read.append(item)
            queue.append(data_key)
        run = {k: node.info[k] for k in ("id", "name", "stage") if k in node.info}
        steps.append({"run": run, "read": read})
    return steps


def markdown_lines(chain: Sequence[Mapping[str, Any]]) -> list[str]:
    """An ``upstream_chain`` as a Markdown list (model card, promotion pull request)."""
    out: list[str] = []
    sources: dict[str, Mapping[str, Any]] = {}
    for step in chain:
        run = step["run"]
        stage = f", stage `{_plain(str(run['stage']))}`" if run.get("stage") else ""
        read = []
        for data in step["read"]:
            made = f" from run `{data['from_run']}`" if data.get("from_run") else ""
            read.append(f"`{_plain(str(data['path']))}`{made}")
            if not data.get("from_run"):
                sources[str(data["digest"])] = data
        text = ", ".join(read) or "nothing recorded"
        out.append(f"- run `{run['id']}` ({_plain(str(run['name']))}{stage}) read {text}")
    for digest, data in sources.items():
        dataset = f" (dataset `{_plain(str(data['dataset']))}`)" if data.get("dataset") else ""
        out.append(f"- source data `{_plain(str(data['path']))}`{dataset}: `{_plain(digest)}`")
    return out


def upstream_markdown(repo: GitRepo, run_id: str) -> list[str]:
    """The Markdown list of what led to run ``run_id`` ([] when it cannot be traced)."""
    try:
        return markdown_lines(upstream_chain(run_lineage(repo, run_id)))
    except GitmlError:
        return []
