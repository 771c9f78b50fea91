"""The plots and artifacts sections of ``dvc.yaml``, and the plot an output declares.

A top-level plot is a data file (or folder) path, or ``{id: {x, y, template, title,
x_label, y_label}}`` where ``y`` names fields of the ``id`` file or maps data files to
fields; ``x`` is one field for every file or a map. A plot output of a stage carries the
same properties for its own file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from gitml.pipelines.model import Out, PlotDef

if TYPE_CHECKING:
    from gitml.pipelines.interpolate import Context
    from gitml.pipelines.stagefile import Reader
    from gitml.records.shapes import JsonObject

PLOT_KEYS = ("template", "x", "y", "x_label", "y_label", "title", "header")


def read_plots(reader: Reader, items: Any, ctx: Context) -> list[PlotDef]:
    """The top-level ``plots`` section."""
    items = reader.resolved(ctx, items, "plots", None)
    if not isinstance(items, list):
        raise reader.error(None, "'plots' must be a list")
    plots = []
    for item in items:
        if isinstance(item, str):
            path = reader.repo_path(reader.folder, item, "plots", "plots")
            plots.append(PlotDef(id=item, y={path: ()}))
            continue
        if not isinstance(item, Mapping) or len(item) != 1:
            raise reader.error(None, f"plots: expected a path or {{id: definition}}, got {item!r}")
        plot_id, spec = next(iter(item.items()))
        plots.append(_plot(reader, str(plot_id), spec or {}))
    return plots


def _plot(reader: Reader, plot_id: str, spec: Any) -> PlotDef:
    if not isinstance(spec, Mapping):
        raise reader.error(None, f"plots.{plot_id}: expected a table")
    for key in spec:
        if key not in PLOT_KEYS or key == "header":
            raise reader.error(
                None,
                f"plots.{plot_id}: unknown key '{key}' (known: template, x, y, x_label, "
                "y_label, title)",
            )
    y_spec = spec.get("y")
    files: dict[str, tuple[str, ...]] = {}
    if isinstance(y_spec, Mapping):
        for file, cols in y_spec.items():
            path = reader.repo_path(reader.folder, str(file), "plots", f"plots.{plot_id}.y")
            files[path] = _columns(cols)
    else:
        path = reader.repo_path(reader.folder, plot_id, "plots", f"plots.{plot_id}")
        files[path] = _columns(y_spec)
    x_spec = spec.get("x")
    x: dict[str, str] = {}
    if isinstance(x_spec, Mapping):
        for file, col in x_spec.items():
            x[reader.repo_path(reader.folder, str(file), "plots", f"plots.{plot_id}.x")] = str(col)
    elif x_spec is not None:
        x = dict.fromkeys(files, str(x_spec))
    return PlotDef(
        id=plot_id,
        y=files,
        x=x,
        template=str(spec.get("template") or "linear"),
        title=_text(spec.get("title")),
        x_label=_text(spec.get("x_label")),
        y_label=_text(spec.get("y_label")),
    )


def read_artifacts(reader: Reader, spec: Any, ctx: Context) -> dict[str, JsonObject]:
    """The top-level ``artifacts`` section (validated; paths repository-relative)."""
    spec = reader.resolved(ctx, spec, "artifacts", None)
    if not isinstance(spec, Mapping):
        raise reader.error(None, "'artifacts' must be a table of artifacts")
    out = {}
    for name, info in spec.items():
        if not isinstance(info, Mapping) or not isinstance(info.get("path"), str):
            raise reader.error(None, f"artifacts.{name}: needs a 'path'")
        unknown = sorted(set(info) - {"path", "type", "desc", "labels", "meta"})
        if unknown:
            raise reader.error(None, f"artifacts.{name}: unknown key '{unknown[0]}'")
        out[str(name)] = {
            **dict(info),
            "path": reader.repo_path(reader.folder, info["path"], "artifacts", "artifact"),
        }
    return out


def _columns(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    return (str(value),)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def plot_of(out: Out) -> PlotDef:
    """The plot an output of kind ``plots`` declares (its own file)."""
    props = out.plot or {}
    y = _columns(props.get("y"))
    x = {out.repo_path: str(props["x"])} if props.get("x") is not None else {}
    return PlotDef(
        id=out.repo_path,
        y={out.repo_path: y},
        x=x,
        template=str(props.get("template") or "linear"),
        title=_text(props.get("title")),
        x_label=_text(props.get("x_label")),
        y_label=_text(props.get("y_label")),
    )
