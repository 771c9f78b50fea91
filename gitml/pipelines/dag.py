"""``git ml dag``: the stage graph as text, Mermaid or Graphviz DOT (edges point downstream)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from gitml.pipelines.graph import Graph

FORMATS = ("text", "mermaid", "dot")


def edges(graph: Graph, stages: Sequence[str]) -> list[tuple[str, str]]:
    """``(upstream, downstream)`` pairs among ``stages``, in execution order."""
    chosen = set(stages)
    return [(up, a) for a in stages for up in graph.upstream[a] if up in chosen]


def render(
    graph: Graph,
    stages: Sequence[str],
    fmt: str,
    status: Mapping[str, str] | None = None,
) -> str:
    """The graph of ``stages`` (in execution order) in ``fmt``; ``status`` labels nodes."""
    pairs = edges(graph, stages)
    if fmt == "mermaid":
        ids = {a: f"node{i + 1}" for i, a in enumerate(stages)}
        lines = ["flowchart TD"]
        for a in stages:
            label = a if status is None else f"{a} ({status.get(a, '')})"
            lines.append(f'\t{ids[a]}["{_mermaid_text(label)}"]')
        lines.extend(f"\t{ids[up]}-->{ids[down]}" for up, down in pairs)
        return "\n".join(lines)
    if fmt == "dot":
        lines = ["strict digraph  {"]
        for a in stages:
            label = ""
            if status is not None:
                text = _dot_text(f"{a} ({status.get(a, '')})")
                label = f' [label="{text}"]'
            lines.append(f'"{_dot_text(a)}"{label};')
        lines.extend(f'"{_dot_text(up)}" -> "{_dot_text(down)}";' for up, down in pairs)
        lines.append("}")
        return "\n".join(lines)
    width = max((len(a) for a in stages), default=0)
    lines = []
    for a in stages:
        ups = [u for u, d in pairs if d == a]
        state = f"  [{status[a]}]" if status is not None and a in status else ""
        arrow = f"  <- {', '.join(ups)}" if ups else ""
        lines.append(f"{a.ljust(width)}{state}{arrow}".rstrip())
    return "\n".join(lines)


def _mermaid_text(text: str) -> str:
    return (
        text.replace("&", "#amp;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
    )


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
