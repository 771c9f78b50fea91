"""Stream CSV, Parquet and JSON-lines files as pyarrow RecordBatches with bounded memory.

pyarrow is the reader: it is already the tabular extra (numpy comes with it), its CSV and
JSON readers are streaming and multi-threaded, Parquet is native, and RecordBatches are
what the profile and drift code consume. polars would add a second large binary without
adding a capability we use.

Streaming readers infer column types from the first block. When a later block disagrees
(an int64 column meets ``2.5``), :func:`scan` widens that column and starts the consumer
again, so callers see one consistent schema for the whole file.
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from gitml.errors import GitmlError, InvalidRecord, UsageError
from gitml.tabular import _deps

T = TypeVar("T")
PathLike = str | os.PathLike[str]

FORMATS = ("csv", "tsv", "parquet", "jsonl")
_SUFFIXES = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
_COMPRESSION = (".gz", ".bz2", ".zst", ".lz4")
BLOCK_BYTES = 8 << 20
PARQUET_BATCH_ROWS = 65_536
# Strings pyarrow reads as null; "" and the usual spellings of NA.
NULL_VALUES = ["", "NA", "N/A", "n/a", "NaN", "nan", "-NaN", "-nan", "NULL", "null", "None"]

_CONVERSION = re.compile(
    r"In CSV column #(\d+): (?:Row #\d+: )?CSV conversion error to ([^:]+): invalid value '(.*)'"
)
_JSON_SCHEMA_CHANGE = ("unexpected field", "changed from", "Failed to convert JSON")


class ColumnTypeConflict(InvalidRecord):
    """A column's values stop matching the type inferred (or requested) for it."""

    def __init__(self, message: str, *, column: str, current: str) -> None:
        super().__init__(message)
        self.column = column
        self.current = current


class JsonSchemaChange(InvalidRecord):
    """A JSON-lines file gains fields or changes a field's type after its first block."""


def detect_format(path: PathLike, format: str | None = None) -> str:
    """``csv``, ``tsv``, ``parquet`` or ``jsonl``, from ``format`` or the file extension."""
    name = Path(path).name.lower()
    if format is not None:
        if format not in FORMATS:
            raise UsageError(f"unknown tabular format {format!r}; use one of {', '.join(FORMATS)}")
        return format
    for suffix in _COMPRESSION:
        name = name.removesuffix(suffix)
    ext = Path(name).suffix
    if ext == ".json":
        raise UsageError(
            f"{os.fspath(path)}: '.json' is ambiguous; if it holds one JSON object per line, "
            "rename it to .jsonl or pass format 'jsonl'"
        )
    if ext not in _SUFFIXES:
        raise UsageError(
            f"{os.fspath(path)}: unknown tabular format {ext or '(no extension)'!r}; "
            "use .csv, .tsv, .parquet or .jsonl, or pass the format explicitly"
        )
    return _SUFFIXES[ext]


def scan(
    path: PathLike,
    consume: Callable[[Iterator[Any]], T],
    *,
    format: str | None = None,
    column_types: Mapping[str, Any] | None = None,
    columns: Sequence[str] | None = None,
) -> T:
    """Run ``consume`` over the file's RecordBatches and return its result.

    When a CSV column turns out wider than inferred or requested, or a JSON-lines file
    changes shape, the column types are widened and ``consume`` is called again from the
    first batch, so it must start from fresh state on each call.
    """
    fmt = detect_format(path, format)
    types = dict(column_types or {})
    explicit: Any = None
    for _ in range(64):
        try:
            return consume(
                iter_batches(path, format=fmt, column_types=types, columns=columns, schema=explicit)
            )
        except ColumnTypeConflict as exc:
            types[exc.column] = _wider(exc.current)
        except JsonSchemaChange:
            if explicit is not None:
                raise
            explicit = _json_schema(path)
    raise InvalidRecord(f"{os.fspath(path)}: column types keep changing; convert it to Parquet")


def iter_batches(
    path: PathLike,
    *,
    format: str | None = None,
    column_types: Mapping[str, Any] | None = None,
    columns: Sequence[str] | None = None,
    schema: Any = None,
) -> Iterator[Any]:
    """Yield the file's RecordBatches; errors are one-line InvalidRecord/UsageError."""
    pa = _deps.pyarrow()
    _deps.numpy()
    fmt = detect_format(path, format)
    where = os.fspath(path)
    try:
        if fmt == "parquet":
            yield from _parquet(pa, where, columns)
        elif fmt == "jsonl":
            yield from _jsonl(pa, where, schema)
        else:
            yield from _csv(pa, where, fmt, column_types or {}, columns)
    except GitmlError:
        raise
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        raise GitmlError(
            f"{where}: cannot read the file ({_reason(exc)}); check the path"
        ) from None
    except OSError as exc:
        if "is a directory" in str(exc):
            raise GitmlError(f"{where}: is a directory, not a file") from None
        raise InvalidRecord(f"{where}: cannot read {fmt} data ({_reason(exc)})") from None
    except (pa.ArrowException, ValueError) as exc:
        raise InvalidRecord(f"{where}: cannot read {fmt} data ({_reason(exc)})") from None


def _checked(pa: Any, where: str, batches: Any, schema: Any) -> Iterator[Any]:
    """Refuse duplicate column names; yield one empty batch for a file with no rows."""
    names = schema.names
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise InvalidRecord(
            f"{where}: duplicate column name(s) {', '.join(map(repr, twice))}; rename them"
        )
    empty = True
    for batch in batches:
        empty = False
        yield batch
    if empty:
        yield pa.RecordBatch.from_pylist([], schema=schema)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _parquet(pa: Any, where: str, columns: Sequence[str] | None) -> Iterator[Any]:
    try:
        handle = pa.parquet.ParquetFile(where)
    except pa.ArrowInvalid as exc:
        raise InvalidRecord(f"{where}: not a readable Parquet file ({_reason(exc)})") from None
    with handle:
        selected = (
            None if columns is None else [c for c in columns if c in handle.schema_arrow.names]
        )
        schema = handle.schema_arrow
        if selected is not None:
            schema = pa.schema([schema.field(name) for name in selected])
        batches = handle.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=selected)
        yield from _checked(pa, where, batches, schema)


def _csv(
    pa: Any, where: str, fmt: str, types: Mapping[str, Any], columns: Sequence[str] | None
) -> Iterator[Any]:
    csv_mod = pa.csv
    parse = csv_mod.ParseOptions(delimiter="\t" if fmt == "tsv" else ",")
    convert = csv_mod.ConvertOptions(
        null_values=NULL_VALUES,
        strings_can_be_null=True,
    )
    hinted = {k: _arrow_type(pa, v) for k, v in types.items()}
    convert.column_types = {k: v for k, v in hinted.items() if v is not None}
    read = csv_mod.ReadOptions(block_size=BLOCK_BYTES)
    try:
        if columns is not None:
            header = _csv_header(pa, where, parse)
            convert.include_columns = [c for c in columns if c in header]
            convert.column_types = {k: v for k, v in convert.column_types.items() if k in header}
        reader = csv_mod.open_csv(
            pa.input_stream(where, compression="detect"),
            read_options=read,
            parse_options=parse,
            convert_options=convert,
        )
        yield from _checked(pa, where, reader, reader.schema)
    except pa.ArrowInvalid as exc:
        message = str(exc)
        if message.startswith("Empty CSV file"):
            raise InvalidRecord(f"{where}: the file is empty; expected a header line") from None
        match = _CONVERSION.search(message)
        if match:
            index, current, value = int(match[1]), match[2], match[3]
            column = _csv_header(pa, where, parse)[index]
            raise ColumnTypeConflict(
                f"{where}: column {column!r} holds {value!r}, which is not {current} as "
                "in the first rows; read it with scan() or convert the file to Parquet",
                column=column,
                current=current,
            ) from None
        if "CSV parse error" in message:
            raise InvalidRecord(_csv_parse_error(pa, where, parse.delimiter, message)) from None
        raise


def _csv_header(pa: Any, where: str, parse: Any) -> list[str]:
    with _text(pa, where) as handle:
        return next(csv.reader(handle, delimiter=parse.delimiter), [])


def _text(pa: Any, where: str) -> Any:
    import io

    return io.TextIOWrapper(
        pa.input_stream(where, compression="detect"),
        encoding="utf-8",
        errors="replace",
        newline="",
    )


def _csv_parse_error(pa: Any, where: str, delimiter: str, arrow_message: str) -> str:
    """Name the first ragged line, found with the csv module (only on this error path)."""
    with _text(pa, where) as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        expected: int | None = None
        try:
            for row in reader:
                if not row:
                    continue
                if expected is None:
                    expected = len(row)
                elif len(row) != expected:
                    return (
                        f"{where}: line {reader.line_num}: expected {expected} fields, "
                        f"found {len(row)}; fix or remove that row"
                    )
        except csv.Error as exc:
            return f"{where}: line {reader.line_num}: {exc}"
    return f"{where}: {arrow_message.strip().splitlines()[0]}"


def _wider(current: str) -> str:
    if current.startswith(("null",)):
        return "int64"
    if current.startswith(("int", "uint")):
        return "double"
    return "string"


def _arrow_type(pa: Any, value: Any) -> Any:
    if isinstance(value, str):
        try:
            return pa.type_for_alias(value)
        except ValueError:
            return None
    return value


def _jsonl(pa: Any, where: str, schema: Any) -> Iterator[Any]:
    json_mod = pa.json
    parse = json_mod.ParseOptions(explicit_schema=schema, unexpected_field_behavior="infer")
    try:
        reader = json_mod.open_json(
            pa.input_stream(where, compression="detect"),
            read_options=json_mod.ReadOptions(block_size=BLOCK_BYTES),
            parse_options=parse,
        )
        yield from _checked(pa, where, reader, reader.schema)
    except pa.ArrowInvalid as exc:
        message = str(exc)
        if message.startswith("Empty JSON file"):
            raise InvalidRecord(f"{where}: the file is empty") from None
        bad = _json_bad_line(pa, where)
        if bad is not None:
            raise InvalidRecord(bad) from None
        if any(sign in message for sign in _JSON_SCHEMA_CHANGE):
            raise JsonSchemaChange(
                f"{where}: fields change after the first rows ({_reason(exc)}); "
                "read it with scan() or convert the file to Parquet"
            ) from None
        raise


def _json_bad_line(pa: Any, where: str) -> str | None:
    """The first line that is not one JSON object, as a one-line message (error path only)."""
    with _text(pa, where) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                return (
                    f"{where}: line {number}: not valid JSON ({exc.msg}); fix or remove that line"
                )
            if not isinstance(value, dict):
                return (
                    f"{where}: line {number}: expected a JSON object, found {type(value).__name__}"
                )
    return None


def _json_schema(path: PathLike) -> Any:
    """The union schema of a JSON-lines file, from one pass with the json module."""
    pa = _deps.pyarrow()
    where = os.fspath(path)
    kinds: dict[str, set[str]] = {}
    with _text(pa, where) as handle:
        for line in handle:
            if line.strip():
                for key, value in json.loads(line).items():
                    kinds.setdefault(key, set()).add(_json_kind(value))
    fields = []
    for key, seen in kinds.items():
        seen.discard("null")
        if seen & {"dict", "list"}:
            continue
        if seen <= {"int"}:
            typ = pa.int64() if seen else pa.null()
        elif seen <= {"int", "float"}:
            typ = pa.float64()
        elif seen == {"bool"}:
            typ = pa.bool_()
        elif seen == {"str"}:
            typ = pa.string()
        else:
            raise InvalidRecord(
                f"{where}: field {key!r} mixes {' and '.join(sorted(seen))} values; "
                "give it one type or convert the file to Parquet"
            )
        fields.append(pa.field(key, typ))
    return pa.schema(fields)


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    return type(value).__name__
