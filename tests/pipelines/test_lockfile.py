"""dvc.lock written as DVC writes it, read back, and updated in place."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitml.pipelines.errors import PipelineError
from gitml.pipelines.lockfile import build_entry, load_lock, write_entries
from gitml.pipelines.model import Dep, Out, ParamsDep, Stage
from gitml.pipelines.state import PathInfo

STAGE = Stage(
    name="train",
    file="dvc.yaml",
    cmd="python train.py",
    wdir="",
    deps=(Dep("src/train.py", "src/train.py"), Dep("data", "data")),
    params=(
        ParamsDep("params.yaml", "params.yaml", ("train.lr",)),
        ParamsDep("b.yaml", "b.yaml", None),
    ),
    outs=(Out("model.pkl", "model.pkl"),),
)
FILE = PathInfo("aa" * 16, "xxh3-128:" + "0" * 32, 10)
FOLDER = PathInfo("bb" * 16 + ".dir", "xxh3-128:" + "1" * 32, 20, nfiles=2)


def entry() -> dict[str, object]:
    return build_entry(
        STAGE,
        {"src/train.py": FILE, "data": FOLDER},
        {"b.yaml": {"z": 1, "a": {"x": 2}}, "params.yaml": {"train.lr": 0.001}},
        {"model.pkl": FILE},
    )


def test_entry_has_dvcs_layout(tmp_path: Path) -> None:
    write_entries(tmp_path, "dvc.lock", {"train": entry()}, tmp_path / "locks")
    assert (tmp_path / "dvc.lock").read_text() == (
        "schema: '2.0'\n"
        "stages:\n"
        "  train:\n"
        "    cmd: python train.py\n"
        "    deps:\n"
        "    - path: data\n"
        "      hash: md5\n"
        f"      md5: {'bb' * 16}.dir\n"
        "      size: 20\n"
        "      nfiles: 2\n"
        "    - path: src/train.py\n"
        "      hash: md5\n"
        f"      md5: {'aa' * 16}\n"
        "      size: 10\n"
        "    params:\n"
        "      params.yaml:\n"
        "        train.lr: 0.001\n"
        "      b.yaml:\n"
        "        a:\n"
        "          x: 2\n"
        "        z: 1\n"
        "    outs:\n"
        "    - path: model.pkl\n"
        "      hash: md5\n"
        f"      md5: {'aa' * 16}\n"
        "      size: 10\n"
    )
    locked = load_lock(tmp_path, "dvc.lock")["train"]
    assert locked.cmd == "python train.py"
    assert locked.deps["data"]["md5"] == "bb" * 16 + ".dir"
    assert locked.params["params.yaml"] == {"train.lr": 0.001}


def test_update_keeps_other_entries_in_place_and_appends_new(tmp_path: Path) -> None:
    (tmp_path / "dvc.lock").write_text(
        "schema: '2.0'\nstages:\n  a:\n    cmd: one\n  train:\n    cmd: old\n  z:\n    cmd: two\n"
    )
    write_entries(tmp_path, "dvc.lock", {"train": entry(), "new": {"cmd": "n"}}, tmp_path / "l")
    assert list(load_lock(tmp_path, "dvc.lock")) == ["a", "train", "z", "new"]


def test_unchanged_entry_leaves_the_file_alone(tmp_path: Path) -> None:
    write_entries(tmp_path, "dvc.lock", {"train": entry()}, tmp_path / "l")
    before = (tmp_path / "dvc.lock").stat().st_mtime_ns
    write_entries(tmp_path, "dvc.lock", {"train": entry()}, tmp_path / "l")
    assert (tmp_path / "dvc.lock").stat().st_mtime_ns == before


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("schema: '3.0'\nstages: {}\n", "dvc.lock: lock file schema '3.0' is not supported"),
        (
            "schema: '2.0'\nstages:\n  s: {deps: []}\n",
            "dvc.lock: stage 's': must be a table with 'cmd'",
        ),
        (
            "schema: '2.0'\nstages:\n  s: {cmd: x, deps: [1]}\n",
            "dvc.lock: stage 's': 'deps' must be a list",
        ),
    ],
)
def test_bad_lock_files_name_the_stage(tmp_path: Path, text: str, expected: str) -> None:
    (tmp_path / "dvc.lock").write_text(text)
    with pytest.raises(PipelineError) as info:
        load_lock(tmp_path, "dvc.lock")
    assert str(info.value).startswith(expected)


def test_dvc1_flat_lock_files_are_read(tmp_path: Path) -> None:
    (tmp_path / "dvc.lock").write_text("s:\n  cmd: x\n  deps:\n  - path: a\n    md5: 1\n")
    assert load_lock(tmp_path, "dvc.lock")["s"].deps["a"]["md5"] == 1
