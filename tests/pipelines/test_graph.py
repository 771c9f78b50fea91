"""The DAG: edges by overlapping paths, DVC's order, targets, and the errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from gitml.pipelines.errors import PipelineError
from gitml.pipelines.graph import Graph, build_graph, plan
from gitml.pipelines.stagefile import load_stage_file

Make = Callable[[dict[str, str]], Path]

DIAMOND = """
stages:
  report:
    cmd: r
    deps: [left.txt, right.txt]
    outs: [report.txt]
  left:
    cmd: l
    deps: [data]
    outs: [left.txt]
  right:
    cmd: r
    deps: [data/part]
    outs: [right.txt]
  source:
    cmd: s
    outs: [data]
  lone:
    cmd: x
"""


def graph_of(make: Make, text: str) -> Graph:
    root = make({"dvc.yaml": text})
    return build_graph([load_stage_file(root, "dvc.yaml")])


def test_edges_follow_overlapping_paths(project: Make) -> None:
    graph = graph_of(project, DIAMOND)
    assert graph.upstream == {
        "report": ("left", "right"),
        "left": ("source",),
        "right": ("source",),
        "source": (),
        "lone": (),
    }
    assert graph.producer("data/part/x.csv") == "source"
    assert graph.downstream()["source"] == ("left", "right")


def test_order_is_dvcs_depth_first_post_order(project: Make) -> None:
    graph = graph_of(project, DIAMOND)
    assert plan(graph) == ["source", "left", "right", "report", "lone"]


def test_targets_bring_their_upstream_or_downstream(project: Make) -> None:
    graph = graph_of(project, DIAMOND)
    assert plan(graph, ["left"]) == ["source", "left"]
    assert plan(graph, ["left"], single_item=True) == ["left"]
    assert plan(graph, ["left"], downstream=True) == ["left", "report"]
    assert plan(graph, ["dvc.yaml:right"]) == ["source", "right"]
    assert plan(graph, ["dvc.yaml"]) == plan(graph)


def test_foreach_group_name_selects_every_member(project: Make) -> None:
    graph = graph_of(
        project,
        "stages:\n  t:\n    foreach: [a, b]\n    do: {cmd: 'echo ${item}'}\n  u: {cmd: x}\n",
    )
    assert plan(graph, ["t"]) == ["t@a", "t@b"]


def test_frozen_stage_cuts_off_its_upstream(project: Make) -> None:
    graph = graph_of(
        project, DIAMOND.replace("  left:\n    cmd: l\n", "  left:\n    cmd: l\n    frozen: true\n")
    )
    assert plan(graph, ["report"]) == ["left", "source", "right", "report"]


def test_unknown_target_names_the_stages(project: Make) -> None:
    graph = graph_of(project, DIAMOND)
    with pytest.raises(PipelineError, match="no stage 'nope' in the pipeline"):
        plan(graph, ["nope"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "stages:\n  a: {cmd: x, deps: [b.txt], outs: [a.txt]}\n  b: {cmd: x, deps: [a.txt], outs: [b.txt]}\n",
            "dvc.yaml: stage 'a': is part of a cycle: 'a' -> 'b' -> 'a'",
        ),
        (
            "stages:\n  a: {cmd: x, deps: [d/x], outs: [d]}\n",
            "dvc.yaml: stage 'a': depends on its own output (a cycle)",
        ),
        (
            "stages:\n  a: {cmd: x, outs: [o.txt]}\n  b: {cmd: y, outs: [o.txt]}\n",
            "dvc.yaml: stage 'b': output 'o.txt' is also written by stage 'a'",
        ),
        (
            "stages:\n  a: {cmd: x, outs: [d]}\n  b: {cmd: y, outs: [d/x]}\n",
            "dvc.yaml: stage 'b': output 'd/x' is inside output 'd' of stage 'a'",
        ),
    ],
)
def test_bad_graphs_name_the_stage(project: Make, text: str, expected: str) -> None:
    with pytest.raises(PipelineError) as info:
        graph_of(project, text)
    assert str(info.value).startswith(expected)
