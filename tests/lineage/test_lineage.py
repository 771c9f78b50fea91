"""Lineage: runs linked by digests, whatever made them; models, datasets; card and PR body."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.support.core import cli, git
from tests.support.pipelines import cli_in, make_getstarted


def lineage(root: Path, *args: str) -> dict[str, Any]:
    result = cli_in(root, "lineage", "--json", *args)
    assert result.exit_code == 0, result.output
    out: dict[str, Any] = json.loads(result.stdout)
    return out


def labels(found: dict[str, Any], kind: str) -> list[str]:
    return [n["label"] for n in found["nodes"] if n["kind"] == kind]


def chain_to(found: dict[str, Any], start: str) -> list[str]:
    """Keys from ``start`` following the first upstream edge each time."""
    up: dict[str, list[str]] = {}
    for edge in found["edges"]:
        up.setdefault(edge["to"], []).append(edge["from"])
    keys = [start]
    while up.get(keys[-1]):
        keys.append(up[keys[-1]][0])
    return keys


def test_trained_model_traces_back_to_data_xml(tmp_path: Path) -> None:
    root = make_getstarted(tmp_path / "gs")
    policy = root / ".gitml" / "policy.toml"
    assert cli_in(root, "init").exit_code == 0
    policy.write_text('schema = "gitml/policy/1"\n[stage.dev]\nallow_direct = true\n')
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "gitml init")
    result = cli_in(root, "repro", "--json")
    assert result.exit_code == 0, result.output
    stages = {s["stage"]: s["run"] for s in json.loads(result.stdout)["stages"]}
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "trained")
    registered = cli_in(
        root, "model", "register", "so-model", "--run", stages["train"], "--artifact", "model.pkl"
    )
    assert registered.exit_code == 0, registered.output

    found = lineage(root, "so-model:1", "--direction", "up")
    nodes = {n["key"]: n for n in found["nodes"]}
    chain = chain_to(found, found["start"])
    kinds = [nodes[k]["kind"] for k in chain]
    assert kinds == ["model", "run", "data", "run", "data", "run", "data"]
    assert [nodes[k].get("stage") for k in chain if nodes[k]["kind"] == "run"] == [
        "train",
        "featurize",
        "prepare",
    ]
    source = nodes[chain[-1]]
    assert (source["path"], source["dataset"]) == ("data/data.xml", "data.xml")
    text = cli_in(root, "lineage", "so-model:1", "--direction", "up").stdout
    assert text.splitlines()[0].startswith("model so-model:1")
    assert "data/data.xml" in text
    assert "(dataset data.xml) (source)" in text

    promoted = cli_in(root, "promote", "so-model", "1", "dev", "--direct")
    assert promoted.exit_code == 0, promoted.output
    at_stage = lineage(root, "so-model@dev", "--direction", "up")
    assert at_stage["nodes"][0]["stages"] == ["dev"]
    assert {n["key"] for n in at_stage["nodes"]} == set(nodes)

    down = lineage(root, "data.xml", "--direction", "down")
    down_nodes = {n["key"]: n for n in down["nodes"]}
    assert "model:so-model:1" in down_nodes
    assert {n.get("stage") for n in down_nodes.values() if n["kind"] == "run"} == set(stages)

    card = cli_in(root, "model", "card", "so-model:1")
    assert card.exit_code == 0, card.output
    upstream = card.stdout.split("### Upstream")[1].split("##")[0]
    assert (
        f"- run `{stages['train']}` (train, stage `train`) read `data/features` from run `{stages['featurize']}`"
        in upstream
    )
    assert "- source data `data/data.xml` (dataset `data.xml`)" in upstream

    body = cli_in(root, "promote", "so-model", "1", "staging", "--branch")
    assert body.exit_code == 0, body.output
    section = body.stdout.split("### Upstream of the candidate")[1]
    assert f"run `{stages['prepare']}` (prepare, stage `prepare`) read `data/data.xml`" in section


def test_runs_made_with_inputs_and_outputs_link_both_ways(in_repo: Path) -> None:
    (in_repo / "raw.txt").write_text("raw\n")
    first = cli(
        "run",
        "-n",
        "make",
        "-i",
        "raw.txt",
        "-o",
        "mid.txt",
        "--",
        "sh",
        "-c",
        "cp raw.txt mid.txt",
    )
    assert first.exit_code == 0, first.output
    second = cli(
        "run", "-n", "use", "-i", "mid.txt", "-o", "out.txt", "--", "sh", "-c", "cp mid.txt out.txt"
    )
    assert second.exit_code == 0, second.output
    up = lineage(in_repo, "use", "--direction", "up")
    assert [label.split()[2] for label in labels(up, "run")] == ["use", "make"]
    assert {n["path"] for n in up["nodes"] if n["kind"] == "data"} == {"mid.txt", "raw.txt"}
    down = lineage(in_repo, "raw.txt", "--direction", "down")
    assert [label.split()[2] for label in labels(down, "run")] == ["make", "use"]
    assert {n["path"] for n in down["nodes"] if n["kind"] == "data"} == {
        "raw.txt",
        "mid.txt",
        "out.txt",
    }


def test_unknown_target_says_what_it_can_be(in_repo: Path) -> None:
    result = cli("lineage", "no-such-thing")
    assert result.exit_code == 1
    assert (
        "'no-such-thing' is no run, model version (NAME@STAGE, NAME:VERSION), dataset or path"
        in result.stderr
    )
    bad = cli("lineage", "x", "--direction", "sideways")
    assert bad.exit_code == 2
