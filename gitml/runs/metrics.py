"""Metrics: files (JSON, YAML, TOML, CSV), per-step history, and the summary of a run.

History is stored beside the run record as CSV (``metric,step,value``, one row per logged
value, in step order): readable with ``git show``, compressed well by git's zlib, and
parsed with the standard library. The final value of a metric is the value at its last
step; non-finite values (a diverged loss) stay in the history but not in the summary.
"""

import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple

from gitml.errors import GitmlError, InvalidRecord
from gitml.records.stand_ins import MetricStatsTable


@cache
def _name_re() -> re.Pattern[str]:
    """Compiled when a name is first checked (one run without metrics checks none)."""
    return re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-/ :]{0,199}")


HISTORY_HEADER = "metric,step,value\n"
TIMED_HEADER = "metric,step,value,timestamp\n"


class InvalidMetric(GitmlError):
    """A metric name or value that cannot be recorded."""


class MetricEvent(NamedTuple):
    """One value of a metric at one step (a tuple: runs log tens of thousands of them);
    ``timestamp`` (milliseconds since the epoch) when the logger gave one."""

    name: str
    step: int
    value: float | int
    timestamp: int | None = None


def check_metric_name(name: object, where: str = "metric") -> str:
    if not isinstance(name, str) or not _name_re().fullmatch(name):
        raise InvalidMetric(
            f"{where} name {name!r} is not valid (letters, digits, '_', '-', '.', '/', "
            "':' or spaces; at most 200)"
        )
    return name


def to_number(value: object, name: str, where: str = "metric") -> float | int:
    """A metric value as int or float; anything else (strings, bools, None) is an error."""
    if isinstance(value, bool) or value is None or isinstance(value, str | bytes):
        raise InvalidMetric(f"{where} {name!r}: {value!r} is not a number")
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    index = getattr(value, "__index__", None)
    if callable(index):
        return int(index())
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InvalidMetric(f"{where} {name!r}: {value!r} is not a number") from None
    return number


def format_number(value: float | int) -> str:
    return repr(value) if isinstance(value, float) else str(int(value))


def parse_number(text: str) -> float | int:
    try:
        return int(text)
    except ValueError:
        return float(text)


def _flatten_numbers(doc: Mapping[str, Any], rel: str, prefix: str = "") -> dict[str, float | int]:
    out: dict[str, float | int] = {}
    for key, value in doc.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(_flatten_numbers(value, rel, name + "."))
            continue
        check_metric_name(name, f"{rel}: metric")
        out[name] = to_number(value, name, f"{rel}: metric")
    return out


def _parse_csv(text: str, rel: str) -> list[MetricEvent]:
    import csv  # here: one run that reads no CSV file does without it (and its 7 classes)

    rows = list(csv.reader(io.StringIO(text)))
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        return []
    header = [h.strip() for h in rows[0]]
    step_col = header.index("step") if "step" in header else None
    events: list[MetricEvent] = []
    for i, row in enumerate(rows[1:]):
        step = i
        if step_col is not None:
            try:
                step = int(float(row[step_col]))
            except (ValueError, IndexError):
                raise InvalidMetric(
                    f"{rel}: row {i + 2}: step {row[step_col : step_col + 1]} is not a number"
                ) from None
        for col, name in enumerate(header):
            if col == step_col or col >= len(row) or not row[col].strip():
                continue
            check_metric_name(name, f"{rel}: metric")
            try:
                value = parse_number(row[col].strip())
            except ValueError:
                raise InvalidMetric(
                    f"{rel}: row {i + 2}: metric {name!r}: {row[col]!r} is not a number"
                ) from None
            events.append(MetricEvent(name, step, value))
    return events


def parse_metrics_text(text: str, rel: str) -> list[MetricEvent]:
    """Metric events of a metrics file (a table gives one step; CSV rows give history)."""
    if rel.endswith(".csv"):
        return _parse_csv(text, rel)
    from gitml.runs.documents import load_document

    doc: Any = load_document(text, rel, InvalidMetric, "metrics", ".json, .yaml, .toml or .csv")
    if doc is None:
        return []
    if not isinstance(doc, dict):
        raise InvalidMetric(f"{rel}: must hold a table of metrics, not {type(doc).__name__}")
    return [MetricEvent(k, 0, v) for k, v in _flatten_numbers(doc, rel).items()]


def read_metrics_file(path: Path, rel: str) -> list[MetricEvent]:
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidMetric(f"{rel}: cannot read: {exc}") from None
    return parse_metrics_text(text, rel)


def merge_events(*sources: Iterable[MetricEvent]) -> list[MetricEvent]:
    """One event per (metric, step), sorted; a later value wins at the same step."""
    latest: dict[tuple[str, int], MetricEvent] = {}
    for source in sources:
        for event in source:
            latest[(event.name, event.step)] = event
    return [latest[key] for key in sorted(latest)]


def at_last_steps(
    final: Sequence[MetricEvent], history: Sequence[MetricEvent]
) -> list[MetricEvent]:
    """Final values (from a metrics table) placed at each metric's last logged step."""
    last: dict[str, int] = {}
    for event in history:
        last[event.name] = max(event.step, last.get(event.name, event.step))
    return [MetricEvent(e.name, last.get(e.name, e.step), e.value) for e in final]


def summarise(
    events: Sequence[MetricEvent], *, merged: bool = False
) -> tuple[dict[str, float], dict[str, MetricStatsTable]]:
    """(last finite value per metric, {metric: {first, last, min, max, steps}}).

    ``merged``: the events already come from ``merge_events``.
    """
    by_name: dict[str, list[float | int]] = {}
    counts: dict[str, int] = {}
    isfinite = math.isfinite
    for event in events if merged else merge_events(events):
        counts[event.name] = counts.get(event.name, 0) + 1
        if isfinite(event.value):
            by_name.setdefault(event.name, []).append(event.value)
    last: dict[str, float] = {}
    stats: dict[str, MetricStatsTable] = {}
    for name, values in sorted(by_name.items()):
        last[name] = values[-1]
        stats[name] = {
            "first": values[0],
            "last": values[-1],
            "min": min(values),
            "max": max(values),
            "steps": counts[name],
        }
    return last, stats


def dump_history(events: Sequence[MetricEvent], *, merged: bool = False) -> bytes | None:
    """The history blob, or None when no metric has more than one value and none has a
    timestamp. A ``timestamp`` column is written only when some value carries one."""
    ordered = events if merged else merge_events(events)
    timed = any(e.timestamp is not None for e in ordered)
    if not timed and len({e.name for e in ordered}) == len(ordered):
        return None
    parts = [TIMED_HEADER if timed else HISTORY_HEADER]
    for name, group in groupby(ordered, key=itemgetter(0)):
        label = f'"{name}"' if "," in name or '"' in name else name
        if timed:
            parts.extend(
                f"{label},{e.step},{e.value!r},{'' if e.timestamp is None else e.timestamp}\n"
                for e in group
            )
        else:
            parts.extend([f"{label},{e.step},{e.value!r}\n" for e in group])
    return "".join(parts).encode("utf-8")


def thin_history(data: bytes, limit: int) -> bytes:
    """``data`` when it fits in ``limit`` bytes; otherwise the same curves with every k-th
    step of each metric (and its last), k doubling until they fit."""
    if len(data) <= limit:
        return data
    events = load_history(data)
    stride = 2
    while True:
        kept: list[MetricEvent] = []
        for _name, group in groupby(events, key=itemgetter(0)):
            rows = list(group)
            kept += rows[::stride]
            if (len(rows) - 1) % stride:
                kept.append(rows[-1])
        blob = dump_history(kept, merged=True) or b""
        if len(blob) <= limit:
            return blob
        stride *= 2


def load_history(data: bytes) -> list[MetricEvent]:
    """Parse a ``*.history.csv`` blob (``name,step,value`` rows, and a fourth column of
    timestamps in ms where they were logged); InvalidRecord (with the line) when it is
    malformed."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidRecord(f"is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    import csv

    reader = csv.reader(io.StringIO(text))
    out: list[MetricEvent] = []
    try:
        next(reader, None)
        for r in reader:
            if len(r) == 3:
                out.append(MetricEvent(r[0], int(r[1]), parse_number(r[2])))
            elif len(r) == 4:
                stamp = int(r[3]) if r[3] else None
                out.append(
                    MetricEvent(
                        name=r[0], step=int(r[1]), value=parse_number(r[2]), timestamp=stamp
                    )
                )
    except (ValueError, csv.Error) as exc:
        raise InvalidRecord(f"is not a metric history (line {reader.line_num}: {exc})") from None
    return out


def series(events: Sequence[MetricEvent], name: str) -> list[float | int]:
    return [e.value for e in merge_events(events) if e.name == name]


def sparkline(values: Sequence[float | int], width: int = 24) -> str:
    """A one-line unicode chart of ``values`` (downsampled to ``width``)."""
    finite = [float(v) for v in values if math.isfinite(v)]
    if len(finite) < 2:
        return ""
    if len(finite) > width:
        step = len(finite) / width
        finite = [finite[int(i * step)] for i in range(width - 1)] + [finite[-1]]
    low, high = min(finite), max(finite)
    bars = "▁▂▃▄▅▆▇█"
    if high == low:
        return bars[3] * len(finite)
    return "".join(bars[int((v - low) / (high - low) * (len(bars) - 1))] for v in finite)
