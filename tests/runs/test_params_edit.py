"""``-S`` edits params files in place: only the overridden values change."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from gitml.errors import UsageError
from gitml.runs import params as p
from tests.support.core import cli, git

YAML_TEXT = """\
# Training params (tuned by hand)
train:
  alpha: 0.20   # regularisation
  l1_ratio: 0.5

  epochs: 10
  lrs: [0.1, 0.01]
name: 'wine'
"""

TOML_TEXT = """\
# Training params
[train]
alpha = 0.20  # regularisation

l1_ratio = 0.5
"dotted.key" = 3

[model]
name = "wine"
"""

JSON_TEXT = '{\n    "train": {"alpha": 0.20, "l1_ratio": 0.5},\n    "name": "wine"\n}\n'


def plan(tmp_path: Path, rel: str, text: str, **values: object) -> str:
    (tmp_path / rel).write_text(text)
    assignment = {(None, key.replace("__", ".")): value for key, value in values.items()}
    return p.plan_overrides(tmp_path, [rel], assignment)[rel]


def test_yaml_keeps_comments_blank_lines_quotes_and_number_spellings(tmp_path: Path) -> None:
    out = plan(tmp_path, "params.yaml", YAML_TEXT, train__l1_ratio=0.9)
    assert out == YAML_TEXT.replace("l1_ratio: 0.5", "l1_ratio: 0.9")


def test_yaml_writes_floats_and_lists_pyyaml_reads_back(tmp_path: Path) -> None:
    out = plan(tmp_path, "params.yaml", YAML_TEXT, train__alpha=1e-5, train__lrs=[0.5, 0.05])
    assert "alpha: 1.0e-05" in out
    assert "lrs: [0.5, 0.05]" in out
    assert yaml.safe_load(out)["train"] == {
        "alpha": 1e-5,
        "l1_ratio": 0.5,
        "epochs": 10,
        "lrs": [0.5, 0.05],
    }
    assert out.startswith("# Training params (tuned by hand)\n")


def test_toml_keeps_comments_blank_lines_and_number_spellings(tmp_path: Path) -> None:
    out = plan(tmp_path, "params.toml", TOML_TEXT, train__l1_ratio=0.9)
    assert out == TOML_TEXT.replace("l1_ratio = 0.5", "l1_ratio = 0.9")
    literal = plan(tmp_path, "params.toml", TOML_TEXT, train__dotted__key=4)
    assert literal == TOML_TEXT.replace('"dotted.key" = 3', '"dotted.key" = 4')
    assert tomllib.loads(literal)["train"]["dotted.key"] == 4


def test_toml_new_key_is_added_without_touching_the_rest(tmp_path: Path) -> None:
    (tmp_path / "params.toml").write_text(TOML_TEXT)
    out = p.plan_overrides(tmp_path, ["params.toml"], {("params.toml", "train.seed"): 7})
    assert out["params.toml"].startswith(TOML_TEXT.split("[model]")[0].rstrip("\n"))
    assert tomllib.loads(out["params.toml"])["train"]["seed"] == 7
    assert "alpha = 0.20  # regularisation" in out["params.toml"]


def test_json_replaces_only_the_value_text(tmp_path: Path) -> None:
    out = plan(tmp_path, "params.json", JSON_TEXT, train__l1_ratio=0.9, name="red")
    assert out == JSON_TEXT.replace("0.5", "0.9").replace('"wine"', '"red"')
    assert json.loads(out)["train"]["alpha"] == 0.2


def test_json_new_key_rewrites_with_the_files_indentation(tmp_path: Path) -> None:
    (tmp_path / "params.json").write_text(JSON_TEXT)
    out = p.plan_overrides(tmp_path, ["params.json"], {("params.json", "seed"): 1})
    assert json.loads(out["params.json"]) == {
        "train": {"alpha": 0.2, "l1_ratio": 0.5},
        "name": "wine",
        "seed": 1,
    }
    assert '\n    "seed": 1\n' in out["params.json"]


def test_empty_override_value_is_refused() -> None:
    with pytest.raises(UsageError, match=r"-S 'alpha=': no value after '='"):
        p.parse_override("alpha=")
    assert p.parse_override('alpha=""').values == ("",)


def test_checkpoint_diff_of_an_override_is_one_line(in_repo: Path) -> None:
    (in_repo / "params.yaml").write_text(YAML_TEXT)
    git(in_repo, "add", "params.yaml")
    git(in_repo, "commit", "-q", "-m", "params")
    result = cli("run", "-n", "longer", "-S", "train.epochs=20", "--", "true")
    assert result.exit_code == 0, result
    checkpoint = json.loads(cli("show", "longer", "--json").stdout)["code"]["checkpoint"]
    diff = git(in_repo, "diff", "--numstat", "HEAD", checkpoint, "--", "params.yaml")
    assert diff.split() == ["1", "1", "params.yaml"]
    assert (in_repo / "params.yaml").read_text() == YAML_TEXT


def test_a_run_without_overrides_loads_no_editing_library(in_repo: Path) -> None:
    (in_repo / "params.yaml").write_text(YAML_TEXT)
    (in_repo / "params.toml").write_text(TOML_TEXT)
    code = (
        "import sys\nfrom gitml.cli import main\n"
        "code = main(['run', '--', 'true'])\n"
        "print(code, 'ruamel.yaml' in sys.modules, 'tomlkit' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=in_repo, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["0", "False", "False"]
