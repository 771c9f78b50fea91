"""Figures, images, tables, text and dicts a run logs (MLflow's ``log_*`` calls, same
arguments): each is written to a file, stored under its name like an artifact, and listed
in the record's ``media`` so the run page, ``git ml report`` and ``compare`` show it.

Images are PNG (arrays are encoded here, with nothing but ``zlib``; PIL images are saved
by PIL); ``key=``/``step=`` make a step-indexed series the UI scrubs through. Figures:
matplotlib (saved in the format of the file name; PNG by default) and plotly (its JSON,
drawn interactively). Tables are ``{"columns": [...], "data": [[...]]}`` (pandas' split
layout, as MLflow writes them); logging the same table file again appends its rows.
"""

from __future__ import annotations

import json
import math
import shutil
import struct
import tempfile
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitml.runs import metrics
from gitml.runs.attached import check_artifact_name
from gitml.tracking import current_sink

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject

IMAGE_SUFFIXES = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".gif": "gif", ".webp": "webp"}
_tables: dict[tuple[int, str], JsonObject] = {}  # (sink id, file) -> rows so far


def _attach(name: str, write: Callable[[Path], object], info: Mapping[str, Any]) -> None:
    """Write the file with ``write``, store it under ``name`` in the current run."""
    check_artifact_name(name)
    folder = Path(tempfile.mkdtemp(prefix="gitml-media-"))
    try:
        path = folder / Path(name).name
        write(path)
        current_sink().attach(str(path), name, {k: v for k, v in info.items() if v is not None})
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        try:
            return _json_safe(item())
        except (TypeError, ValueError):
            pass
    tolist = getattr(value, "tolist", None)  # numpy arrays
    if callable(tolist):
        return _json_safe(tolist())
    return str(value)


def log_text(text: str, artifact_file: str) -> None:
    """Store ``text`` as the file ``artifact_file`` of the run."""
    _attach(artifact_file, lambda p: p.write_text(text, encoding="utf-8"), {"kind": "text"})


def log_dict(dictionary: Mapping[str, Any] | Sequence[Any], artifact_file: str) -> None:
    """Store a dict (or list) as JSON, or YAML when ``artifact_file`` ends in .yaml/.yml."""
    data = _json_safe(dictionary)
    is_yaml = artifact_file.endswith((".yaml", ".yml"))

    def write(path: Path) -> None:
        if is_yaml:
            import yaml

            path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        else:
            path.write_text(json.dumps(data, indent=2), encoding="utf-8")

    _attach(artifact_file, write, {"kind": "dict", "format": "yaml" if is_yaml else "json"})


def log_figure(
    figure: Any, artifact_file: str, *, step: int | None = None, title: str | None = None
) -> None:
    """Store a matplotlib or plotly figure (matplotlib: in the file name's format;
    plotly: its JSON, under a ``.json`` name when ``artifact_file`` ends in .html)."""
    if hasattr(figure, "savefig"):
        suffix = Path(artifact_file).suffix.lower()
        fmt = IMAGE_SUFFIXES.get(suffix, "svg" if suffix == ".svg" else None)

        def save(path: Path) -> None:
            figure.savefig(path, format=suffix[1:] or "png")

        _attach(
            artifact_file, save, {"kind": "figure", "format": fmt, "step": step, "title": title}
        )
        return
    to_json = getattr(figure, "to_json", None)
    if callable(to_json):
        name = artifact_file
        if name.endswith((".html", ".htm")):
            name = name.rsplit(".", 1)[0] + ".json"
        text = str(to_json())
        _attach(
            name,
            lambda p: p.write_text(text, encoding="utf-8"),
            {"kind": "figure", "format": "plotly", "step": step, "title": title},
        )
        return
    raise TypeError(
        f"log_figure: {type(figure).__name__} is neither a matplotlib nor a plotly figure"
    )


def log_image(
    image: Any,
    artifact_file: str | None = None,
    *,
    key: str | None = None,
    step: int | None = None,
    timestamp: int | None = None,
) -> None:
    """Store an image: a numpy array (HxW, HxWx1/3/4; uint8, or floats in 0..1) or a PIL
    image. Give ``artifact_file``, or ``key`` (and ``step``) for a series of images that
    the UI scrubs by step, stored as ``images/<key>/step-<step>.png``."""
    if (artifact_file is None) == (key is None):
        raise ValueError("log_image: give either artifact_file or key (with step), not both")
    if key is not None:
        metrics.check_metric_name(key, "image key")
        step = 0 if step is None else int(step)
        if step < 0:
            raise ValueError(f"log_image: step {step} is negative")
        name = f"images/{key}/step-{step:06d}.png"
    else:
        assert artifact_file is not None
        name = artifact_file
    fmt = IMAGE_SUFFIXES.get(Path(name).suffix.lower(), "png")

    def write(path: Path) -> None:
        if hasattr(image, "save") and hasattr(image, "mode"):  # a PIL image
            image.save(path, format="JPEG" if fmt == "jpeg" else fmt.upper())
        else:
            if fmt != "png":
                raise ValueError(f"log_image: arrays are stored as PNG; name {name!r} .png")
            path.write_bytes(png_bytes(image))

    _attach(name, write, {"kind": "image", "format": fmt, "key": key, "step": step})


def png_bytes(array: Any) -> bytes:
    """A PNG of an HxW, HxWx1, HxWx3 or HxWx4 array (uint8 0..255, floats 0..1, bools)."""
    rows = _pixel_rows(array)
    height = len(rows)
    width = len(rows[0]) if height else 0
    channels = len(rows[0][0]) if width else 1
    if not height or not width or channels not in (1, 3, 4):
        raise ValueError("log_image: an image needs shape HxW, HxWx1, HxWx3 or HxWx4")
    color = {1: 0, 3: 2, 4: 6}[channels]
    raw = b"".join(b"\x00" + bytes(v for px in row for v in px) for row in rows)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, color, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )


def _pixel_rows(array: Any) -> list[list[tuple[int, ...]]]:
    tolist = getattr(array, "tolist", None)
    data = tolist() if callable(tolist) else array
    if not isinstance(data, list) or not data or not isinstance(data[0], list | tuple):
        raise ValueError("log_image: an image needs shape HxW, HxWx1, HxWx3 or HxWx4")
    floats = any(isinstance(v, float) for v in _first_values(data))

    def level(v: Any) -> int:
        number = float(v) * 255 if floats else float(v)
        return max(0, min(255, round(number)))

    rows = []
    for row in data:
        pixels = []
        for px in row:
            values = px if isinstance(px, list | tuple) else [px]
            pixels.append(tuple(level(v) for v in values))
        rows.append(pixels)
    if len({len(r) for r in rows}) != 1 or len({len(px) for r in rows for px in r}) != 1:
        raise ValueError("log_image: rows and pixels must all have the same length")
    return rows


def _first_values(data: list[Any]) -> Iterable[Any]:
    for row in data[:4]:
        for px in row[:4]:
            yield from (px if isinstance(px, list | tuple) else [px])


def table_of(data: Any) -> JsonObject:
    """``{"columns", "data"}`` of a pandas DataFrame, a dict of columns or a list of rows."""
    to_dict = getattr(data, "to_dict", None)
    if callable(to_dict) and hasattr(data, "columns"):
        split = to_dict(orient="split")
        return {"columns": _json_safe(list(split["columns"])), "data": _json_safe(split["data"])}
    if isinstance(data, Mapping):
        columns = [str(k) for k in data]
        values = [list(v) if not isinstance(v, str) else [v] for v in data.values()]
        if len({len(v) for v in values}) > 1:
            raise ValueError("log_table: every column needs the same number of values")
        return {
            "columns": columns,
            "data": _json_safe([list(r) for r in zip(*values, strict=True)]),
        }
    if isinstance(data, list) and all(isinstance(r, Mapping) for r in data):
        columns = list(dict.fromkeys(str(k) for r in data for k in r))
        return {"columns": columns, "data": _json_safe([[r.get(c) for c in columns] for r in data])}
    raise TypeError("log_table: give a pandas DataFrame, a dict of columns or a list of dicts")


def log_table(data: Any, artifact_file: str) -> None:
    """Store a table as JSON; logging to the same file again appends rows (as MLflow)."""
    table = table_of(data)
    slot = (id(current_sink()), artifact_file)
    earlier = _tables.get(slot)
    if earlier is not None and earlier["columns"] == table["columns"]:
        table = {"columns": table["columns"], "data": earlier["data"] + table["data"]}
    _tables[slot] = table
    text = json.dumps(table)
    _attach(artifact_file, lambda p: p.write_text(text, encoding="utf-8"), {"kind": "table"})
