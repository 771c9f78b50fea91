"""YAML 1.2 scalars, as DVC reads dvc.yaml, dvc.lock and params.yaml."""

from __future__ import annotations

import pytest

from gitml.pipelines import yamlfile
from gitml.pipelines.errors import PipelineError


def test_scalars_follow_yaml_1_2() -> None:
    doc = yamlfile.loads(
        "a: 1e-3\nb: yes\nc: on\nd: 2020-01-01\ne: 012\nf: ~\ng: true\nh: .inf\ni: 0x10\n",
        where="x.yaml",
    )
    assert doc == {
        "a": 0.001,
        "b": "yes",
        "c": "on",
        "d": "2020-01-01",
        "e": 12,
        "f": None,
        "g": True,
        "h": float("inf"),
        "i": 16,
    }


def test_dump_round_trips_and_quotes_what_would_change_type() -> None:
    data = {"s": "1e-3", "t": "true", "n": 0.2, "long": "x " * 100, "l": [1, "a"]}
    text = yamlfile.dumps(data)
    assert "s: '1e-3'" in text
    assert "\n  " not in text.split("long:")[1].split("\n")[0]
    assert yamlfile.loads(text, where="x") == data


def test_errors_name_file_line_and_column() -> None:
    with pytest.raises(PipelineError, match=r"^params.yaml: invalid YAML: line 3, column 1: "):
        yamlfile.loads("a: 1\nb: [\n", where="params.yaml")
