"""Signature inference from example inputs, and checks of tensors and given signatures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from gitml.errors import GitmlError
from gitml.models.check import check_frame
from gitml.models.signature import SignatureError, check, from_file, infer


def test_infer_maps_arrow_types_to_mlflow_names() -> None:
    table = pa.table(
        {
            "i8": pa.array([1], pa.int8()),
            "i32": pa.array([1], pa.int32()),
            "i64": pa.array([1], pa.int64()),
            "f32": pa.array([1.0], pa.float32()),
            "f64": pa.array([1.0], pa.float64()),
            "b": pa.array([True]),
            "s": pa.array(["x"]),
            "raw": pa.array([b"x"]),
            "t": pa.array([dt.datetime(2026, 1, 1)]),
        }
    )
    sig = infer(table)
    assert [(s["name"], s["type"]) for s in sig["inputs"]] == [
        ("i8", "integer"),
        ("i32", "integer"),
        ("i64", "long"),
        ("f32", "float"),
        ("f64", "double"),
        ("b", "boolean"),
        ("s", "string"),
        ("raw", "binary"),
        ("t", "datetime"),
    ]
    assert sig["profile"]["i64"] == {"min": 1.0, "max": 1.0}
    assert "s" not in sig["profile"]


def test_numpy_array_gives_a_tensor_spec_checked_on_dtype_and_shape() -> None:
    sig = infer(np.zeros((5, 3), dtype=np.float32))
    assert sig == {
        "inputs": [{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 3]}}]
    }
    assert check_frame(np.ones((2, 3), dtype=np.float32), sig) == []
    problems = check_frame(np.ones((2, 4), dtype=np.float64), sig)
    assert [p.message for p in problems] == [
        "the array is float64; the model expects float32",
        "the array has shape [2, 4]; the model expects [-1, 3]",
    ]


def test_integers_fit_a_double_column_but_floats_do_not_fit_a_long() -> None:
    sig = infer({"x": [1.5, 9.0], "n": [3, 9]})
    assert check_frame({"x": [2], "n": [4]}, sig) == []
    [problem] = check_frame({"x": [2.0], "n": [4.5]}, sig)
    assert problem.message == (
        "column 'n' holds double values but the signature expects long; "
        "convert the column or fix the data"
    )


def test_unsupported_examples_and_signatures_are_refused(tmp_path: Path) -> None:
    with pytest.raises(GitmlError, match="cannot infer a signature from a int"):
        infer(3)
    with pytest.raises(SignatureError, match="has type list<item: int64>"):
        infer({"nested": [[1, 2]]})
    with pytest.raises(SignatureError, match="has no known type"):
        check({"inputs": [{"name": "x", "type": "decimal"}]}, where="sig.json")
    empty = tmp_path / "sig.json"
    empty.write_text('{"outputs": []}')
    with pytest.raises(SignatureError, match=r"sig\.json: the signature has no inputs"):
        from_file(empty)


def test_signature_json_file_is_read_as_given(tmp_path: Path) -> None:
    path = tmp_path / "sig.json"
    path.write_text('{"inputs": [{"name": "x", "type": "double"}], "outputs": [{"type": "long"}]}')
    assert from_file(path) == {
        "inputs": [{"name": "x", "type": "double"}],
        "outputs": [{"type": "long"}],
    }
