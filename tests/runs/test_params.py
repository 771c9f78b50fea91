from __future__ import annotations

import os
from pathlib import Path

import pytest

from gitml.errors import UsageError
from gitml.runs import params as p


def test_parse_value_keeps_types() -> None:
    assert p.parse_value("0.01") == 0.01
    assert p.parse_value("3") == 3
    assert p.parse_value("true") is True
    assert p.parse_value("[1, 2]") == [1, 2]
    assert p.parse_value("adam") == "adam"
    assert p.parse_value("'quoted'") == "quoted"
    assert p.parse_value("nan") == "nan"
    assert p.parse_value("") == ""


def test_parse_override_splits_sweep_values_outside_brackets() -> None:
    o = p.parse_override("train.lr=0.1,0.01")
    assert (o.file, o.key, o.values) == (None, "train.lr", (0.1, 0.01))
    o = p.parse_override("params.toml:layers=[1,2],[3,4]")
    assert (o.file, o.key, o.values) == ("params.toml", "layers", ([1, 2], [3, 4]))
    assert p.parse_override("name='a,b'").values == ("a,b",)


@pytest.mark.parametrize("text", ["lr", "=3", "a..b=1", "lr=1,,2", "bad key=1"])
def test_parse_override_rejects_malformed(text: str) -> None:
    with pytest.raises(UsageError, match="-S"):
        p.parse_override(text)


def test_parse_param_and_tag() -> None:
    assert p.parse_param("batch=32") == ("batch", 32)
    assert p.parse_param("opt=a,b") == ("opt", "a,b")
    assert p.parse_tag("team=vision") == ("team", "vision")
    with pytest.raises(UsageError, match="-t 'x'"):
        p.parse_tag("x")


def test_flatten_nested_tables_to_dotted_keys() -> None:
    doc = {"train": {"lr": 0.1, "opt": {"name": "adam"}}, "tags": [1, None, 2], "gone": None}
    assert p.flatten(doc) == {"train.lr": 0.1, "train.opt.name": "adam", "tags": [1, 2]}


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("params.yaml", "a: [1, 2\n", "params.yaml: invalid YAML: line 2"),
        ("params.toml", "a = \n", "params.toml: invalid TOML"),
        ("params.json", '{"a": }', "params.json: invalid JSON: line 1, column 7"),
        ("params.yaml", "- 1\n- 2\n", "params.yaml: must hold a table of params"),
    ],
)
def test_invalid_params_files_name_file_and_place(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    (tmp_path / name).write_text(text)
    with pytest.raises(p.InvalidParams, match=message) as info:
        p.read_params(tmp_path, [name])
    assert "\n" not in str(info.value)


def test_find_params_files_in_configured_order(tmp_path: Path) -> None:
    (tmp_path / "params.toml").write_text("a = 1\n")
    (tmp_path / "params.yaml").write_text("b: 2\n")
    assert p.find_params_files(tmp_path, ["params.yaml", "params.toml", "x.json"]) == [
        "params.yaml",
        "params.toml",
    ]
    assert p.read_params(tmp_path, ["params.yaml", "params.toml"]) == {"a": 1, "b": 2}


def test_overridden_writes_for_the_run_and_restores_bytes_and_mtime(tmp_path: Path) -> None:
    path = tmp_path / "params.yaml"
    original = "# comment kept\ntrain:\n  lr: 0.1  # inline\n  epochs: 5\n"
    path.write_text(original)
    os.utime(path, ns=(1_000_000_000, 2_000_000_000))
    docs = p.plan_overrides(tmp_path, ["params.yaml"], {(None, "train.lr"): 0.5})
    with p.overridden(tmp_path, docs):
        assert p.read_params(tmp_path, ["params.yaml"]) == {"train.lr": 0.5, "train.epochs": 5}
    assert path.read_text() == original
    assert path.stat().st_mtime_ns == 2_000_000_000


def test_overridden_restores_after_an_exception(tmp_path: Path) -> None:
    path = tmp_path / "params.json"
    path.write_text('{"lr": 1}')
    docs = p.plan_overrides(tmp_path, ["params.json"], {(None, "lr"): 2})
    with pytest.raises(RuntimeError), p.overridden(tmp_path, docs):
        raise RuntimeError("boom")
    assert path.read_text() == '{"lr": 1}'


def test_override_of_unknown_key_lists_known_keys(tmp_path: Path) -> None:
    (tmp_path / "params.toml").write_text("[train]\nlr = 0.1\n")
    with pytest.raises(UsageError, match=r"-S train\.lrr: no such param in params\.toml"):
        p.plan_overrides(tmp_path, ["params.toml"], {(None, "train.lrr"): 1})
    docs = p.plan_overrides(tmp_path, ["params.toml"], {("params.toml", "train.new"): 1})
    assert docs["params.toml"] == "[train]\nlr = 0.1\nnew = 1\n"


def test_override_without_params_file_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no params file here"):
        p.plan_overrides(tmp_path, [], {(None, "lr"): 1})


def test_expand_grid_is_the_cartesian_product_in_order() -> None:
    grid = p.expand_grid([p.parse_override("lr=0.1,0.01"), p.parse_override("depth=3,5")])
    assert [p.describe(a) for a in grid] == [
        "lr=0.1 depth=3",
        "lr=0.1 depth=5",
        "lr=0.01 depth=3",
        "lr=0.01 depth=5",
    ]
    assert p.expand_grid([]) == [{}]
