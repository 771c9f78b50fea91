"""Reading dvc.yaml as DVC does: every key, interpolation, and one-line errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from gitml.pipelines.errors import PipelineError
from gitml.pipelines.model import PipelineFile
from gitml.pipelines.stagefile import load_stage_file

Make = Callable[[dict[str, str]], Path]


def load(make: Make, dvc_yaml: str, files: dict[str, str] | None = None) -> PipelineFile:
    root = make({"dvc.yaml": dvc_yaml, **(files or {})})
    return load_stage_file(root, "dvc.yaml")


def error(make: Make, dvc_yaml: str, files: dict[str, str] | None = None) -> str:
    with pytest.raises(PipelineError) as info:
        load(make, dvc_yaml, files)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_stage_with_every_section_is_read(project: Make) -> None:
    file = load(
        project,
        """
stages:
  train:
    desc: Train the model
    cmd: python train.py
    wdir: src
    deps: [../data, train.py]
    params:
    - lr
    - conf/extra.toml: [layers, opt.name]
    - whole.json:
    outs:
    - ../model.pkl
    - ../cache_dir: {cache: false, persist: true, desc: scratch}
    metrics:
    - ../metrics.json: {cache: false}
    plots:
    - ../loss.csv: {x: step, y: loss, template: linear, title: Loss}
    frozen: false
    always_changed: true
    meta: {owner: ml}
""",
    )
    (stage,) = file.stages
    assert stage.cmd == "python train.py"
    assert stage.wdir == "src"
    assert [d.repo_path for d in stage.deps] == ["data", "src/train.py"]
    assert [(p.path, p.repo_path, p.keys) for p in stage.params] == [
        ("params.yaml", "src/params.yaml", ("lr",)),
        ("conf/extra.toml", "src/conf/extra.toml", ("layers", "opt.name")),
        ("whole.json", "src/whole.json", None),
    ]
    outs = {o.repo_path: o for o in stage.outs}
    assert outs["model.pkl"].cache
    assert not outs["model.pkl"].persist
    assert not outs["cache_dir"].cache
    assert outs["cache_dir"].persist
    assert outs["metrics.json"].kind == "metrics"
    assert not outs["metrics.json"].cache
    assert outs["loss.csv"].kind == "plots"
    assert outs["loss.csv"].plot == {
        "x": "step",
        "y": "loss",
        "template": "linear",
        "title": "Loss",
    }
    assert stage.always_changed
    assert stage.desc == "Train the model"


def test_list_command_is_kept_as_a_list(project: Make) -> None:
    file = load(project, "stages:\n  s:\n    cmd: [echo one, echo two]\n")
    assert file.stages[0].cmd == ("echo one", "echo two")
    assert file.stages[0].lock_cmd == ["echo one", "echo two"]


def test_params_yaml_values_and_vars_interpolate(project: Make) -> None:
    file = load(
        project,
        """
vars:
  - extra.yaml:size
  - {prefix: out}
stages:
  train:
    cmd: python train.py --lr ${train.lr} --size ${size} --fast ${train.fast} ${train.opts}
    outs: ["${prefix}/model-${train.layers[1]}.pkl"]
    params: [train.lr]
""",
        {
            "params.yaml": "train:\n  lr: 1e-3\n  fast: true\n  layers: [8, 16]\n"
            "  opts: {depth: 3, name: a b, flag: true, off: false, sizes: [1, 2]}\n",
            "extra.yaml": "size: 7\nignored: 1\n",
        },
    )
    (stage,) = file.stages
    assert stage.cmd == (
        "python train.py --lr 0.001 --size 7 --fast true --depth 3 --name 'a b' --flag --sizes 1 2"
    )
    assert stage.outs[0].repo_path == "out/model-16.pkl"
    assert stage.tracked["params.yaml"]["train.lr"] == 0.001
    assert stage.tracked["extra.yaml"] == {"size": 7}


def test_whole_value_keeps_its_type_and_escapes_stay_literal(project: Make) -> None:
    file = load(
        project,
        "vars: [{n: 3}]\nstages:\n  s:\n    cmd: echo \\${HOME} ${n}\n    meta: {n: '${n}'}\n",
    )
    assert file.stages[0].cmd == "echo ${HOME} 3"


def test_foreach_list_dict_and_composite_items(project: Make) -> None:
    file = load(
        project,
        """
stages:
  simple:
    foreach: [a, b]
    do: {cmd: "echo ${item}", outs: ["${item}.txt"]}
  keyed:
    foreach: {us: 1, eu: 2}
    do: {cmd: "echo ${key} ${item}"}
  composite:
    foreach: ${models}
    do: {cmd: "train ${item.name} ${item.depth}"}
""",
        {"params.yaml": "models:\n- {name: tree, depth: 3}\n- {name: forest, depth: 5}\n"},
    )
    names = {s.name: s.cmd for s in file.stages}
    assert names == {
        "simple@a": "echo a",
        "simple@b": "echo b",
        "keyed@us": "echo us 1",
        "keyed@eu": "echo eu 2",
        "composite@0": "train tree 3",
        "composite@1": "train forest 5",
    }


def test_matrix_expands_every_combination_with_dvc_names(project: Make) -> None:
    file = load(
        project,
        """
stages:
  train:
    matrix:
      model: [cnn, xgb]
      lr: [0.1, 0.01]
      feature: [[a, b]]
    cmd: train ${item.model} ${item.lr} ${key}
""",
    )
    assert [s.name for s in file.stages] == [
        "train@cnn-0.1-feature0",
        "train@cnn-0.01-feature0",
        "train@xgb-0.1-feature0",
        "train@xgb-0.01-feature0",
    ]
    assert file.stages[0].cmd == "train cnn 0.1 cnn-0.1-feature0"


def test_stage_vars_are_read_relative_to_its_wdir(project: Make) -> None:
    file = load(
        project,
        "stages:\n  a:\n    wdir: sub\n    vars: [local.yaml]\n    cmd: echo ${x}\n",
        {"sub/local.yaml": "x: 1\n"},
    )
    assert file.stages[0].cmd == "echo 1"
    assert file.stages[0].wdir == "sub"


def test_stage_vars_are_not_seen_by_other_stages(project: Make) -> None:
    message = error(
        project,
        "stages:\n  a:\n    wdir: sub\n    vars: [local.yaml]\n    cmd: echo ${x}\n"
        "  b:\n    cmd: echo ${x}\n",
        {"sub/local.yaml": "x: 1\n"},
    )
    assert message == "dvc.yaml: stage 'b': cmd: '${x}': 'x' is not defined"


def test_top_level_metrics_plots_params_and_artifacts(project: Make) -> None:
    file = load(
        project,
        """
stages: {}
metrics: [eval/metrics.json]
params: [extra.yaml]
plots:
- eval/loss.csv
- ROC:
    template: simple
    x: fpr
    y: {eval/roc/test.json: tpr, eval/roc/train.json: [tpr]}
- eval/prc.json:
    y: precision
artifacts:
  model: {path: model.pkl, type: model, desc: the model}
""",
    )
    assert file.metrics == ("eval/metrics.json",)
    assert file.params == ("extra.yaml",)
    roc = file.plots[1]
    assert roc.template == "simple"
    assert roc.y == {"eval/roc/test.json": ("tpr",), "eval/roc/train.json": ("tpr",)}
    assert roc.x == {"eval/roc/test.json": "fpr", "eval/roc/train.json": "fpr"}
    assert file.plots[2].y == {"eval/prc.json": ("precision",)}
    assert file.artifacts["model"]["path"] == "model.pkl"


@pytest.mark.parametrize(
    ("dvc_yaml", "expected"),
    [
        ("stages:\n  s:\n    cmd: x\n    foo: 1\n", "dvc.yaml: stage 's': unknown key 'foo'"),
        (
            "stages:\n  s:\n    cmd: x\n    outs: [{o: {remote: r}}]\n",
            "dvc.yaml: stage 's': outs.o.remote: per-output remotes",
        ),
        (
            "stages:\n  s:\n    cmd: x\n    outs: [{o: {push: false}}]\n",
            "dvc.yaml: stage 's': outs.o.push: per-output push",
        ),
        (
            "stages:\n  s:\n    cmd: x\n    outs: [{o: {checkpoint: true}}]\n",
            "dvc.yaml: stage 's': outs.o.checkpoint",
        ),
        (
            "datasets: []\nstages: {}\n",
            "dvc.yaml: 'datasets': dataset dependencies are not supported",
        ),
        ("stage: {}\n", "dvc.yaml: unknown key 'stage'"),
        ("stages:\n  s:\n    deps: [a]\n", "dvc.yaml: stage 's': 'cmd' is missing"),
        (
            "stages:\n  s:\n    cmd: x\n    deps: [s3://bucket/x]\n",
            "dvc.yaml: stage 's': dependency 's3://bucket/x': remote URLs",
        ),
        (
            "stages:\n  s:\n    cmd: x\n    outs: [../x]\n",
            "dvc.yaml: stage 's': output '../x': leaves the repository",
        ),
        (
            "stages:\n  s:\n    cmd: x\n    deps: [a, a]\n",
            "dvc.yaml: stage 's': dependency 'a' is listed twice",
        ),
        (
            "stages:\n  s:\n    cmd: x\n    deps: [a]\n    outs: [a]\n",
            "dvc.yaml: stage 's': 'a' is both a dependency and an output",
        ),
        (
            "stages:\n  s:\n    cmd: x\n    frozen: yes\n",
            "dvc.yaml: stage 's': frozen: expected true or false",
        ),
        ("stages:\n  s:\n    foreach: [1]\n", "dvc.yaml: stage 's': 'do' is missing"),
        ("stages:\n  s@x:\n    cmd: x\n", "dvc.yaml: stage 's@x': a stage name cannot contain"),
        (
            "stages:\n  s:\n    cmd: echo ${nope}\n",
            "dvc.yaml: stage 's': cmd: '${nope}': 'nope' is not defined",
        ),
        ("vars: [{a: 1}, {a: 2}]\nstages: {}\n", "dvc.yaml: cannot redefine 'a' from 'vars[1]'"),
        (
            "stages:\n  s:\n    cmd: echo ${l}\nvars: [{l: [1, 2]}]\n",
            "dvc.yaml: stage 's': cmd: cannot interpolate data of type 'list'",
        ),
        ("stages: [1]\n", "dvc.yaml: 'stages' must be a table of stages"),
        ("stages:\n  s:\n    cmd: x\n  bad: [\n", "dvc.yaml: invalid YAML"),
    ],
)
def test_bad_stage_files_get_one_line_errors(project: Make, dvc_yaml: str, expected: str) -> None:
    assert error(project, dvc_yaml).startswith(expected)


def test_python_params_files_are_refused(project: Make) -> None:
    message = error(project, "stages: {}\nvars: [params.py]\n", {"params.py": "x = 1\n"})
    assert "params.py: params files must be YAML, JSON or TOML" in message
