"""The plots a pipeline declares, filled with each run's data, ready to draw.

A pipeline run records its stage files' plot definitions (``pipeline.plots``); the data
files are outputs of its stages, found by digest in the runs' records and read from the
content cache (a file, or a file inside a folder output's listing). A stage run shows
the plots whose files it wrote. Rows come from JSON/YAML (a list of objects, or the
first list in an object), CSV or TSV; each series holds at most ``MAX_POINTS`` rows.

Templates: ``linear``, ``simple`` and ``smooth`` are line charts, ``scatter`` points,
``confusion``/``confusion_normalized`` a matrix of counts, ``bar_horizontal`` bars;
a ROC or precision-recall curve is a line chart of ``fpr``/``tpr`` or ``recall``/
``precision`` on the unit square (``kind`` says which, so axes can be fixed).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from gitml.errors import GitmlError
from gitml.objects.blobs import read_listing_object
from gitml.objects.cache import open_cache
from gitml.objects.digest import parse_digest
from gitml.objects.listing import decode
from gitml.pipelines import yamlfile
from gitml.runs.store import find_run

if TYPE_CHECKING:
    from gitml.objects.cache import Cache
    from gitml.records.shapes import JsonObject, PipelinePlotTable, RunRecord
    from gitml.storage.repo import GitRepo

MAX_POINTS = 2000
MAX_FILE_BYTES = 8 << 20
LINES = ("linear", "simple", "smooth")
CONFUSION = ("confusion", "confusion_normalized")
TEMPLATES = (*LINES, "scatter", *CONFUSION, "bar_horizontal", "bar_horizontal_sorted")


def parse_rows(data: bytes, path: str) -> list[JsonObject]:
    """The rows of a plot data file ([] when it holds none)."""
    text = data.decode("utf-8", "replace")
    if path.endswith((".csv", ".tsv")):
        reader = csv.DictReader(io.StringIO(text), delimiter="\t" if path.endswith(".tsv") else ",")
        return [{k: _number(v) for k, v in row.items() if k is not None} for row in reader]
    try:
        if path.endswith((".yaml", ".yml")):
            doc = yamlfile.loads(text, where=path)
        else:
            doc = json.loads(text)
    except (GitmlError, ValueError):
        return []
    if isinstance(doc, Mapping):
        doc = next((v for v in doc.values() if isinstance(v, list)), [])
    if not isinstance(doc, list):
        return []
    return [dict(r) for r in doc if isinstance(r, Mapping)]


def _number(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def _kind(template: str, x: str | None, fields: Sequence[str]) -> str:
    if template in CONFUSION:
        return "confusion"
    if template == "scatter":
        return "scatter"
    if template.startswith("bar_horizontal"):
        return "bar"
    if x == "fpr" and "tpr" in fields:
        return "roc"
    if x == "recall" and "precision" in fields:
        return "pr"
    return "line"


def _thin(rows: list[JsonObject]) -> list[JsonObject]:
    if len(rows) <= MAX_POINTS:
        return rows
    step = len(rows) / MAX_POINTS
    return [rows[int(i * step)] for i in range(MAX_POINTS - 1)] + [rows[-1]]


def _confusion(rows: Sequence[Mapping[str, Any]], x: str, y: str) -> JsonObject:
    labels = sorted({str(r.get(x)) for r in rows} | {str(r.get(y)) for r in rows})
    index = {label: i for i, label in enumerate(labels)}
    counts = [[0] * len(labels) for _ in labels]
    for r in rows:  # a row is one sample, or a cell with its ``count`` (gitml.log_plot)
        weight = r.get("count", 1)
        counts[index[str(r.get(x))]][index[str(r.get(y))]] += (
            weight if isinstance(weight, int) and weight > 0 else 1
        )
    return {"labels": labels, "counts": counts}


class _Reader:
    """Plot files of runs, read from the content cache by digest."""

    def __init__(self, cache: Cache) -> None:
        self.cache = cache
        self._listings: dict[str, dict[str, str]] = {}

    def digest_of(self, outputs: Mapping[str, str], path: str) -> str | None:
        if path in outputs:
            return str(outputs[path])
        for out, digest in outputs.items():
            if path.startswith(out + "/"):
                return self._listing(str(digest)).get(path[len(out) + 1 :])
        return None

    def files_under(self, outputs: Mapping[str, str], folder: str) -> list[str]:
        """Data files a plot names by folder (DVC: every file in it is a plot)."""
        for out, digest in outputs.items():
            if out == folder:
                return [f"{folder}/{rel}" for rel in sorted(self._listing(str(digest)))]
            if folder.startswith(out + "/"):
                inner = folder[len(out) + 1 :] + "/"
                return [
                    f"{out}/{rel}"
                    for rel in sorted(self._listing(str(digest)))
                    if rel.startswith(inner)
                ]
        return []

    def _listing(self, digest: str) -> dict[str, str]:
        if digest not in self._listings:
            entries: dict[str, str] = {}
            try:
                data = read_listing_object(self.cache, parse_digest(digest))
                if data is not None:
                    entries = {e.path: str(e.digest) for e in decode(data, where=digest)}
            except GitmlError:
                entries = {}
            self._listings[digest] = entries
        return self._listings[digest]

    def rows(self, digest: str, path: str) -> list[JsonObject] | None:
        try:
            target = self.cache.path_of(digest)
            if target.stat().st_size > MAX_FILE_BYTES:
                return None
            return parse_rows(target.read_bytes(), path)
        except (OSError, GitmlError):
            return None


def _definitions(repo: GitRepo, doc: RunRecord) -> tuple[list[PipelinePlotTable], dict[str, str]]:
    """The plot definitions that apply to run ``doc`` and the outputs to read them from."""
    logged = logged_plots(doc)
    outputs = dict(doc["outputs"])
    if logged:
        return logged, outputs
    pipeline = doc.get("pipeline")
    if pipeline:
        return list(pipeline.get("plots", [])), outputs
    stage = doc.get("stage")
    if stage is None or "pipeline" not in stage:
        return [], {}

    parent = find_run(repo, stage["pipeline"])
    parent_pipeline = parent.get("pipeline") if parent is not None else None
    if parent_pipeline is None:
        return [], {}
    defs = [
        p
        for p in parent_pipeline.get("plots", [])
        if any(
            f == o or f.startswith(o + "/") or o.startswith(f + "/")
            for f in p["y"]
            for o in outputs
        )
    ]
    return defs, outputs


def logged_plots(doc: RunRecord) -> list[PipelinePlotTable]:
    """Plot definitions of the plots a run logged itself (``gitml.log_plot``)."""
    out: list[PipelinePlotTable] = []
    for entry in doc.get("media", []):
        spec = entry.get("plot")
        if entry["kind"] != "plot" or spec is None:
            continue
        name = entry["name"]
        plot: PipelinePlotTable = {
            "id": name,
            "template": spec["template"],
            "title": entry.get("title") or name,
            "x": {name: spec["x"]},
            "y": {name: [spec["y"]]},
        }
        if spec.get("x_label"):
            plot["x_label"] = spec["x_label"]
        if spec.get("y_label"):
            plot["y_label"] = spec["y_label"]
        out.append(plot)
    return out


def run_plots(repo: GitRepo, docs: Sequence[RunRecord]) -> list[JsonObject]:
    """The plots of ``docs`` (runs), each with one series per run and data file."""

    reader = _Reader(open_cache(repo.state_dir, durable=False))
    plots: dict[str, JsonObject] = {}
    for doc in docs:
        defs, outputs = _definitions(repo, doc)
        for spec in defs:
            for plot_id, files in _expand(spec, outputs, reader):
                entry = plots.setdefault(plot_id, _plot_head(spec, plot_id))
                entry["series"].extend(_series(spec, files, outputs, reader, doc))
    return [p for p in plots.values() if p["series"]]


def _expand(
    spec: PipelinePlotTable, outputs: Mapping[str, str], reader: _Reader
) -> Iterable[tuple[str, dict[str, list[str]]]]:
    """``(plot id, {file: fields})``: a folder named as a plot makes one plot per file."""
    y: Mapping[str, list[str]] = spec["y"]
    if len(y) == 1:
        ((path, fields),) = y.items()
        if reader.digest_of(outputs, path) is None:
            inner = reader.files_under(outputs, path)
            if inner:
                return [(f, {f: list(fields)}) for f in inner]
    return [(spec["id"], {f: list(c) for f, c in y.items()})]


def _plot_head(spec: PipelinePlotTable, plot_id: str) -> JsonObject:
    head: JsonObject = {
        "id": plot_id,
        "template": spec["template"] or "linear",
        "title": spec.get("title") or plot_id,
        "series": [],
    }
    if spec.get("x_label"):
        head["x_label"] = spec["x_label"]
    if spec.get("y_label"):
        head["y_label"] = spec["y_label"]
    return head


def _series(
    spec: PipelinePlotTable,
    files: Mapping[str, list[str]],
    outputs: Mapping[str, str],
    reader: _Reader,
    doc: RunRecord,
) -> list[JsonObject]:
    out = []
    for path, fields in files.items():
        digest = reader.digest_of(outputs, path)
        rows = reader.rows(digest, path) if digest else None
        if not rows:
            continue
        x = spec.get("x", {}).get(path)
        names = list(fields) or [k for k in rows[0] if k != x][-1:]
        template = spec["template"] or "linear"
        base: JsonObject = {"run": doc["id"], "run_name": doc["name"], "file": path, "x": x}
        base["kind"] = _kind(template, x, names)
        for name in names:
            series = dict(base, y=name)
            if base["kind"] == "confusion":
                series["matrix"] = _confusion(rows, x or "actual", name)
            else:
                kept = _thin(rows)
                series["xs"] = [r.get(x) if x else i for i, r in enumerate(kept)]
                series["ys"] = [r.get(name) for r in kept]
            out.append(series)
    return out
