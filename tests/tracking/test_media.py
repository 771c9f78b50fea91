"""Images, tables, text, dicts and plots: stored under names, cached, listed as media."""

from __future__ import annotations

import json
import struct
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

import gitml
from gitml.objects.cache import Cache
from gitml.records.validator import validate
from gitml.tracking.media import png_bytes
from gitml.tracking.plots import pr_points, roc_points
from tests.support.runs import git_ml, setup_ml_env


def cached(repo: Path, digest: str) -> bytes:
    return Cache(repo / ".git" / "gitml" / "cache").path_of(digest).read_bytes()


def decode_png(data: bytes) -> tuple[int, int, int, bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, _depth, color = struct.unpack(">IIBB", data[16:26])
    idat = data[data.index(b"IDAT") + 4 :]
    return (
        width,
        height,
        color,
        zlib.decompress(
            idat[: struct.unpack(">I", data[data.index(b"IDAT") - 4 : data.index(b"IDAT")])[0]]
        ),
    )


def test_png_of_arrays_round_trips_pixels() -> None:
    gray = np.array([[0, 128], [255, 7]], dtype=np.uint8)
    width, height, color, raw = decode_png(png_bytes(gray))
    assert (width, height, color) == (2, 2, 0)
    assert raw == b"\x00\x00\x80\x00\xff\x07"
    rgb = np.zeros((1, 2, 3))
    rgb[0, 1] = [1.0, 0.5, 0.0]
    assert decode_png(png_bytes(rgb))[3] == b"\x00\x00\x00\x00\xff\x80\x00"
    with pytest.raises(ValueError, match="HxW"):
        png_bytes(np.zeros((2, 2, 2)))


def test_media_of_an_in_process_run(in_repo: Path) -> None:
    with gitml.start_run() as run:
        for step in range(3):
            gitml.log_image(np.full((4, 4), step * 50, dtype=np.uint8), key="sample", step=step)
        gitml.log_image(np.zeros((2, 3, 3)), "pictures/black.png")
        gitml.log_table({"a": [1, 2], "b": ["x", "y"]}, "tables/t.json")
        gitml.log_table({"a": [3], "b": ["z"]}, "tables/t.json")
        gitml.log_text("hello <b>", "notes.txt")
        gitml.log_dict({"k": [1, 2]}, "config.yaml")
        gitml.log_plot("roc", [0, 1, 1, 0], [0.1, 0.9, 0.8, 0.3])
    doc = run.doc
    assert doc is not None
    validate(doc, "run", where="run")
    media = {m["name"]: m for m in doc["media"]}
    assert set(media) == {
        "images/sample/step-000000.png",
        "images/sample/step-000001.png",
        "images/sample/step-000002.png",
        "pictures/black.png",
        "tables/t.json",
        "notes.txt",
        "config.yaml",
        "plots/roc.json",
    }
    assert media["images/sample/step-000002.png"] | {"digest": ""} == {
        "name": "images/sample/step-000002.png",
        "kind": "image",
        "key": "sample",
        "step": 2,
        "format": "png",
        "digest": "",
    }
    for name, entry in media.items():
        assert doc["outputs"][name] == entry["digest"]
    table = json.loads(cached(in_repo, media["tables/t.json"]["digest"]))
    assert table == {"columns": ["a", "b"], "data": [[1, "x"], [2, "y"], [3, "z"]]}
    assert cached(in_repo, media["notes.txt"]["digest"]) == b"hello <b>"
    assert cached(in_repo, media["config.yaml"]["digest"]) == b"k:\n- 1\n- 2\n"
    roc = json.loads(cached(in_repo, media["plots/roc.json"]["digest"]))["roc"]
    assert roc[-1] == {"fpr": 1.0, "tpr": 1.0, "threshold": 0.1}
    assert media["plots/roc.json"]["title"] == "ROC (AUC 1.000)"
    assert not (in_repo / ".git" / "gitml" / "spool" / f"{run.id}.files").exists()


def test_artifact_names_cannot_climb_out(in_repo: Path) -> None:
    with gitml.start_run(), pytest.raises(Exception, match="relative path"):
        gitml.log_text("x", "../escape.txt")


def test_roc_and_pr_points_match_hand_computed_curves() -> None:
    rows, auc = roc_points([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1])
    assert [(r["fpr"], r["tpr"]) for r in rows] == [
        (0.0, 0.0), (0.0, 0.5), (0.5, 0.5), (0.5, 1.0), (1.0, 1.0)
    ]  # fmt: skip
    assert auc == 0.75
    rows, ap = pr_points([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1])
    assert [(r["recall"], r["precision"]) for r in rows][:3] == [
        (0.5, 1.0),
        (0.5, 0.5),
        (1.0, 2 / 3),
    ]
    assert ap == pytest.approx(0.5 + 0.5 * 2 / 3)


MEDIA_SCRIPT = """\
import gitml, tempfile, os
for step in range(2):
    gitml.log_image([[step, step], [step, step]], key="grid", step=step)
gitml.log_text("under git ml run", "readme.txt")
gitml.log_plot("confusion", ["a", "b", "a", "a"], ["a", "b", "b", "a"])
folder = tempfile.mkdtemp()
with open(os.path.join(folder, "weights.bin"), "wb") as fh:
    fh.write(b"0123")
gitml.log_artifact(os.path.join(folder, "weights.bin"), artifact_path="model")
os.remove(os.path.join(folder, "weights.bin"))  # as MLflow does with its temporary files
"""


def test_media_under_git_ml_run_are_copied_at_the_call(
    repo_with_commit: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup_ml_env(tmp_path, monkeypatch)
    (repo_with_commit / "train.py").write_text(MEDIA_SCRIPT)
    git_ml(repo_with_commit, "run", "--", sys.executable, "train.py")
    (run,) = json.loads(git_ml(repo_with_commit, "ls", "--json").stdout)
    names = sorted(m["name"] for m in run["media"])
    assert names == [
        "images/grid/step-000000.png",
        "images/grid/step-000001.png",
        "plots/confusion.json",
        "readme.txt",
    ]
    assert cached(repo_with_commit, run["outputs"]["model/weights.bin"]) == b"0123"
    confusion = {m["name"]: m for m in run["media"]}["plots/confusion.json"]
    assert confusion["plot"] == {"template": "confusion", "x": "actual", "y": "predicted"}
    rows = json.loads(cached(repo_with_commit, confusion["digest"]))["confusion"]
    assert {(r["actual"], r["predicted"]): r["count"] for r in rows} == {
        ("a", "a"): 2, ("a", "b"): 1, ("b", "b"): 1
    }  # fmt: skip
