"""Model signatures: column names and MLflow type names inferred from an example input.

An example is a pandas DataFrame, a pyarrow Table or RecordBatch, a dict of lists, a
numpy array (a tensor spec) or the path of a CSV/Parquet/JSONL file (read with
``gitml.tabular``). The result is MLflow's signature layout as plain data:
``{"inputs": [{"name": ..., "type": ...}, ...]}`` (``"required": false`` for a column
that holds nulls, as MLflow infers it), plus per-column numeric ranges (``profile``) for
``gitml.models.validate``.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitml.errors import GitmlError, UsageError
from gitml.tabular.read import iter_batches

if TYPE_CHECKING:
    from gitml.records.shapes import ColumnSpec, MlflowType, RangeTable, SignatureTable

MLFLOW_TYPES = ("boolean", "integer", "long", "float", "double", "string", "binary", "datetime")


class SignatureError(GitmlError):
    """An example input or signature that cannot be read or understood."""


def mlflow_type(arrow_type: Any) -> MlflowType | None:
    """MLflow's type name of an Arrow type (None: no MLflow equivalent)."""
    import pyarrow as pa

    t = pa.types
    if t.is_boolean(arrow_type):
        return "boolean"
    if t.is_int8(arrow_type) or t.is_int16(arrow_type) or t.is_int32(arrow_type):
        return "integer"
    if t.is_uint8(arrow_type) or t.is_uint16(arrow_type):
        return "integer"
    if t.is_integer(arrow_type):
        return "long"
    if t.is_float16(arrow_type) or t.is_float32(arrow_type):
        return "float"
    if t.is_floating(arrow_type) or t.is_decimal(arrow_type):
        return "double"
    if t.is_string(arrow_type) or t.is_large_string(arrow_type):
        return "string"
    if t.is_binary(arrow_type) or t.is_large_binary(arrow_type):
        return "binary"
    if t.is_timestamp(arrow_type) or t.is_date(arrow_type):
        return "datetime"
    if t.is_dictionary(arrow_type):
        return mlflow_type(arrow_type.value_type)
    return None


def read_table(path: str | os.PathLike[str]) -> Any:
    """A tabular file (CSV, Parquet, JSONL) as a pyarrow Table; one-line errors."""
    import pyarrow as pa

    where = os.fspath(path)
    if not Path(where).is_file():
        raise SignatureError(
            f"{where}: cannot read the example file (no such file); check the path"
        )
    batches = list(iter_batches(where))
    if not batches:
        raise SignatureError(f"{where}: the example file has no rows or columns")
    return pa.Table.from_batches(batches)


def to_table(example: Any) -> Any:
    """An example input as a pyarrow Table (numpy arrays are handled by ``infer``)."""
    import pyarrow as pa

    if isinstance(example, (str, os.PathLike)):
        return read_table(example)
    if isinstance(example, pa.Table):
        return example
    if isinstance(example, pa.RecordBatch):
        return pa.Table.from_batches([example])
    if type(example).__module__.split(".")[0] == "pandas":
        return pa.Table.from_pandas(example, preserve_index=False)
    if isinstance(example, Mapping):
        try:
            return pa.table({str(k): list(v) for k, v in example.items()})
        except (pa.ArrowException, TypeError, ValueError) as exc:
            raise SignatureError(f"cannot read the example dict of columns ({exc})") from None
    raise UsageError(
        f"cannot infer a signature from a {type(example).__name__}; give a pandas DataFrame, "
        "pyarrow Table, numpy array, dict of lists or a CSV/Parquet file path"
    )


def _tensor(array: Any) -> SignatureTable:
    return {
        "inputs": [
            {
                "type": "tensor",
                "tensor-spec": {"dtype": str(array.dtype), "shape": [-1, *array.shape[1:]]},
            }
        ]
    }


def _numeric_range(column: Any) -> RangeTable | None:
    import pyarrow as pa
    import pyarrow.compute as pc

    if not (pa.types.is_integer(column.type) or pa.types.is_floating(column.type)):
        return None
    bounds = pc.min_max(column)
    low, high = bounds["min"].as_py(), bounds["max"].as_py()
    if low is None or high is None:
        return None
    return {"min": float(low), "max": float(high)}


def infer(example: Any) -> SignatureTable:
    """The signature of an example input (``inputs`` and, for tables, ``profile``)."""
    if type(example).__module__ == "numpy" and hasattr(example, "dtype"):
        return _tensor(example)
    table = to_table(example)
    inputs: list[ColumnSpec] = []
    profile: dict[str, RangeTable] = {}
    for field in table.schema:
        kind = mlflow_type(field.type)
        if kind is None:
            raise SignatureError(
                f"column {field.name!r} has type {field.type}, which MLflow signatures cannot "
                f"describe ({', '.join(MLFLOW_TYPES)}); convert it or pass signature= explicitly"
            )
        column = table.column(field.name)
        spec: ColumnSpec = {"name": field.name, "type": kind}
        if column.null_count:  # as MLflow's infer_signature: a column with nulls is optional
            spec["required"] = False
        inputs.append(spec)
        bounds = _numeric_range(column)
        if bounds is not None:
            profile[field.name] = bounds
    return {"inputs": inputs, "profile": profile}


def check(signature: Mapping[str, Any], *, where: str) -> SignatureTable:
    """A given signature, checked: ``inputs`` (and ``outputs``) lists of column specs."""
    inputs = _specs(signature.get("inputs"), "inputs", where=where)
    outputs = _specs(signature.get("outputs"), "outputs", where=where)
    if inputs is None:
        raise SignatureError(f"{where}: the signature has no inputs")
    result: SignatureTable = {"inputs": inputs}
    if outputs is not None:
        result["outputs"] = outputs
    if isinstance(signature.get("profile"), Mapping):
        result["profile"] = dict(signature["profile"])
    return result


def _specs(specs: Any, key: str, *, where: str) -> list[ColumnSpec] | None:
    """A copy of a signature's ``inputs`` or ``outputs`` (None when absent), each spec's
    type checked."""
    if specs is None:
        return None
    if not isinstance(specs, list):
        raise SignatureError(f"{where}: signature {key} must be a list of column specs")
    for spec in specs:
        kind = spec.get("type") if isinstance(spec, Mapping) else None
        if kind != "tensor" and kind not in MLFLOW_TYPES:
            raise SignatureError(
                f"{where}: signature {key} entry {spec!r} has no known type "
                f"(one of {', '.join(MLFLOW_TYPES)} or tensor)"
            )
    copied: list[ColumnSpec] = copy.deepcopy(specs)
    return copied


def from_file(path: str | os.PathLike[str]) -> SignatureTable:
    """A signature from a file: ``*.json`` holds a signature, anything else is an example."""
    import json

    where = os.fspath(path)
    if where.endswith(".json"):
        try:
            with open(where, encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise SignatureError(f"{where}: cannot read the signature file ({reason})") from None
        if not isinstance(data, Mapping):
            raise SignatureError(f"{where}: a signature file holds a JSON object with inputs")
        return check(data, where=where)
    return infer(where)
