"""A lineage as text: an indented tree, and the upstream chain as a Markdown list."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from gitml.errors import GitmlError
from gitml.lineage.nodes import MAX_NODES, Lineage
from gitml.lineage.walk import run_lineage

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject
    from gitml.storage.repo import GitRepo


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


def upstream_chain(lineage: Lineage) -> list[JsonObject]:
    """The runs from the start upwards, nearest first, each with what it read.

    ``[{"run": {id, name, stage?}, "read": [{path, digest, dataset?, from_run?}]}]``
    """
    steps: list[JsonObject] = []
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
