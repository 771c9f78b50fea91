"""Input checks against a model's signature: missing, extra, mistyped, out-of-profile.

Used by ``git ml model validate`` and, at serving time, ``gitml.models.validate``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from gitml.models.package import PackageError, read_package
from gitml.models.signature import mlflow_type, to_table

ERROR = "error"
WARNING = "warning"
NUMERIC = ("integer", "long", "float", "double")


@dataclass(frozen=True)
class Problem:
    kind: str  # missing | extra | type | range | shape
    column: str
    severity: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def _error(kind: str, column: str, message: str) -> Problem:
    """A problem that fails the check."""
    return Problem(kind=kind, column=column, severity=ERROR, message=message)


def _fits(expected: str, actual: str | None) -> bool:
    if actual == expected:
        return True
    if expected in ("float", "double"):
        return actual in NUMERIC
    if expected == "long":
        return actual == "integer"
    return False


def _bad_sample(column: Any) -> str | None:
    """A value of a text column that is not a number (for the message)."""
    for value in column.to_pylist():
        if value is None:
            continue
        try:
            float(value)
        except (TypeError, ValueError):
            return str(value)
    return None


def _type_problem(name: str, expected: str, actual: str | None, column: Any) -> Problem:
    shown = actual or str(column.type)
    message = f"column {name!r} holds {shown} values but the signature expects {expected}"
    if expected in NUMERIC and actual == "string":
        sample = _bad_sample(column)
        if sample is not None:
            message += f" (found {sample!r}, not a number)"
    return _error("type", name, message + "; convert the column or fix the data")


def _range_problem(name: str, column: Any, bounds: Mapping[str, float]) -> Problem | None:
    import pyarrow.compute as pc

    low, high = float(bounds["min"]), float(bounds["max"])
    values = pc.cast(column, "double")
    outside = pc.or_(pc.less(values, low), pc.greater(values, high))
    count = int(pc.sum(pc.cast(outside, "int64")).as_py() or 0)
    if count == 0:
        return None
    seen = pc.min_max(values)
    return Problem(
        kind="range",
        column=name,
        severity=WARNING,
        message=f"column {name!r}: {count} value(s) outside the training range [{low:g}, {high:g}] "
        f"(seen {seen['min'].as_py():g} to {seen['max'].as_py():g})",
    )


def _tensor(frame: Any, spec: Mapping[str, Any]) -> list[Problem]:
    tensor = spec.get("tensor-spec") or {}
    dtype, shape = str(tensor.get("dtype")), list(tensor.get("shape") or [])
    problems = []
    if not hasattr(frame, "dtype") or not hasattr(frame, "shape"):
        return [_error("type", "", f"the model expects a {dtype} array, not a table")]
    if str(frame.dtype) != dtype:
        problems.append(
            _error("type", "", f"the array is {frame.dtype}; the model expects {dtype}")
        )
    fixed = shape[1:]
    if list(frame.shape[1:]) != [d if d != -1 else frame.shape[i + 1] for i, d in enumerate(fixed)]:
        problems.append(
            _error(
                "shape", "", f"the array has shape {list(frame.shape)}; the model expects {shape}"
            )
        )
    return problems


def check_frame(frame: Any, signature: Mapping[str, Any]) -> list[Problem]:
    """Problems of ``frame`` (any example form) against ``signature``."""

    specs = list(signature.get("inputs") or [])
    if specs and specs[0].get("type") == "tensor":
        return _tensor(frame, specs[0])
    table = to_table(frame)
    present = {f.name: f for f in table.schema}
    expected = {str(s["name"]): str(s["type"]) for s in specs if "name" in s}
    optional = {str(s["name"]) for s in specs if "name" in s and s.get("required") is False}
    profile: Mapping[str, Mapping[str, float]] = signature.get("profile") or {}
    problems: list[Problem] = []
    for name, kind in expected.items():
        if name not in present and name in optional:
            continue
        if name not in present:
            problems.append(
                _error("missing", name, f"column {name!r} ({kind}) is missing; the model needs it")
            )
            continue
        column = table.column(name)
        actual = mlflow_type(present[name].type)
        if column.null_count == len(column):
            continue
        if not _fits(kind, actual):
            problems.append(_type_problem(name, kind, actual, column))
        elif kind in NUMERIC and name in profile:
            found = _range_problem(name, column, profile[name])
            if found is not None:
                problems.append(found)
    for name in present:
        if name not in expected:
            problems.append(
                _error(
                    "extra",
                    name,
                    f"column {name!r} is not in the model's signature; drop it before scoring",
                )
            )
    return problems


def validate_package(frame: Any, package_dir: str | Path) -> list[Problem]:
    """Problems of ``frame`` against the signature in a package folder."""

    desc = read_package(package_dir)
    signature = desc.get("signature")
    if not signature:
        raise PackageError(
            f"{package_dir}: the package has no signature; register the model with "
            "`gitml.log_model(..., input_example=...)` or `--signature-from FILE`"
        )
    return check_frame(frame, signature)


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == ERROR]
