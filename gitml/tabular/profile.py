"""Column profiles of tabular files: what `data add` stores and monitoring compares against.

A profile is computed in two streaming passes with bounded memory:

1. counts, missing values, moments, min/max, category counts and a uniform reservoir
   sample of every numeric column (a bottom-k sample on seeded random keys);
2. exact histogram counts on edges taken from quantiles of that reservoir.

Quantile edges give bins of about equal training mass, so PSI and Jensen-Shannon on them
are not dominated by near-empty bins. The reservoir holds ``max(sample_size, 20000)``
values, which puts each estimated quantile within about 0.4 % of its true rank (one
standard error at the median); the counts themselves are exact. Files small enough for
the reservoir to hold every value skip the second pass, and so do files whose finite
numeric values fit in ``CACHE_BYTES``: the first pass keeps them in memory (re-parsing a CSV
costs more than binning), and drops them as soon as the budget is exceeded.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gitml.errors import UsageError
from gitml.records.typed import typed
from gitml.tabular import _deps
from gitml.tabular.read import PathLike, detect_format, scan

if TYPE_CHECKING:
    from gitml.records.shapes import ProfileRecord

SCHEMA = "gitml/profile/1"
QUANTILES = {
    "p01": 0.01,
    "p05": 0.05,
    "p25": 0.25,
    "p50": 0.5,
    "p75": 0.75,
    "p95": 0.95,
    "p99": 0.99,
}
QUANTILE_SAMPLE = 20_000
CACHE_BYTES = 256 << 20
# A string column is "text" rather than "categorical" when values are long or nearly unique.
TEXT_MEAN_LENGTH = 64
TEXT_MIN_DISTINCT = 1000
TEXT_DISTINCT_SHARE = 0.5


def profile_table(
    path: PathLike,
    *,
    format: str | None = None,
    sample_size: int = 1000,
    bins: int = 20,
    top_k: int = 20,
    seed: int = 0,
) -> ProfileRecord:
    """Profile a CSV, TSV, Parquet or JSON-lines file, checked against
    ``schemas/profile.schema.json`` (a profile is read back only when it passes).

    The result holds only str/int/float/bool/list/dict values and is deterministic: the
    same file and arguments give the same dict.
    """
    _deps.require()
    if sample_size < 0 or bins < 1 or top_k < 0 or seed < 0:
        raise UsageError(
            f"profile options out of range (sample_size={sample_size}, bins={bins}, "
            f"top_k={top_k}, seed={seed}); use sample_size >= 0, bins >= 1, top_k >= 0, seed >= 0"
        )
    fmt = detect_format(path, format)
    capacity = max(sample_size, QUANTILE_SAMPLE)
    first = scan(path, lambda batches: _first_pass(batches, capacity, seed), format=fmt)
    for col in first.columns.values():
        col.edges = col.make_edges(bins)
    numeric = {
        n: col for n, col in first.columns.items() if col.edges is not None and col.counts is None
    }
    for name in list(numeric) if first.cache_bytes <= CACHE_BYTES else []:
        numeric.pop(name).count_cached()
    if numeric:
        types = {name: col.arrow_type for name, col in first.columns.items()}
        counts = scan(
            path,
            lambda batches: _second_pass(batches, numeric),
            format=fmt,
            column_types=types,
            columns=list(numeric),
        )
        for name, histogram in counts.items():
            numeric[name].counts = histogram
    doc = {
        "schema": SCHEMA,
        "format": fmt,
        "rows": first.rows,
        "params": {"sample_size": sample_size, "bins": bins, "top_k": top_k, "seed": seed},
        "columns": {
            name: col.to_dict(position, sample_size=sample_size, top_k=top_k)
            for position, (name, col) in enumerate(first.columns.items())
        },
    }
    return typed(doc, "profile", where=f"profile of {os.fspath(path)}")


@dataclass
class _FirstPass:
    rows: int = 0
    columns: dict[str, _Column] = field(default_factory=dict)
    cache_bytes: int = 0

    def drop_cache(self) -> None:
        for col in self.columns.values():
            col.cache = None


def _first_pass(batches: Iterator[Any], capacity: int, seed: int) -> _FirstPass:
    np = _deps.numpy()
    rng = np.random.default_rng(seed)
    state = _FirstPass()
    for batch in batches:
        if not state.columns and not state.rows:
            state.columns = {f.name: _Column(f.type, capacity) for f in batch.schema}
        keys = rng.random(batch.num_rows) if batch.num_rows else np.empty(0)
        for name, col in state.columns.items():
            index = batch.schema.get_field_index(name)
            if index < 0:
                col.missing += batch.num_rows
            else:
                state.cache_bytes += col.update(batch.column(index), keys)
        if state.cache_bytes > CACHE_BYTES:
            state.drop_cache()
        state.rows += batch.num_rows
    for col in state.columns.values():
        col.reservoir.trim()
    return state


def _second_pass(batches: Iterator[Any], numeric: dict[str, _Column]) -> dict[str, Any]:
    from gitml.tabular._accum import Binner, finite_values

    totals: dict[str, Any] = dict.fromkeys(numeric, 0)
    binners = {name: Binner(col.edges) for name, col in numeric.items()}
    for batch in batches:
        for name, binner in binners.items():
            values, _ = finite_values(batch.column(batch.schema.get_field_index(name)))
            totals[name] = totals[name] + binner.counts(values)
    return totals


class _Column:
    """First-pass state of one column, by type family."""

    def __init__(self, arrow_type: Any, capacity: int) -> None:
        from gitml.tabular import _accum

        self.arrow_type = arrow_type
        self.family = _accum.column_type(arrow_type)
        self.count = 0
        self.missing = 0
        self.moments = _accum.Moments()
        self.reservoir = _accum.Reservoir(capacity)
        self.counter = _accum.Counter()
        self.length_sum = 0
        self.length_low: int | None = None
        self.length_high: int | None = None
        self.low: Any = None
        self.high: Any = None
        self.edges: Any = None
        self.counts: Any = None
        self.cache: list[Any] | None = [] if self.family == "numeric" else None

    def update(self, array: Any, keys: Any) -> int:
        """Add one batch column; return the bytes it added to the value cache."""
        import pyarrow as pa
        import pyarrow.compute as pc

        from gitml.tabular._accum import finite_values

        n = len(array)
        if self.family == "numeric":
            values, mask = finite_values(array)
            self.moments.update(values)
            self.reservoir.update(values, keys if mask is None else keys[mask])
            self.count += int(values.size)
            self.missing += n - int(values.size)
            if self.cache is None:
                return 0
            self.cache.append(values)
            return int(values.nbytes)
        valid = n - array.null_count
        self.count += valid
        self.missing += n - valid
        if self.family == "boolean":
            self.counter.update_bool(array)
        elif self.family == "categorical":
            if pa.types.is_dictionary(array.type):
                array = array.dictionary_decode()
            self.counter.update(array)
            if valid:
                lengths = pc.utf8_length(array)
                bounds = pc.min_max(lengths).as_py()
                self.length_sum += int(pc.sum(lengths).as_py())
                self.length_low = _lower(self.length_low, bounds["min"])
                self.length_high = _upper(self.length_high, bounds["max"])
        elif self.family == "datetime" and valid:
            if pa.types.is_timestamp(array.type) and array.type.unit == "ns":
                array = pc.cast(array, pa.timestamp("us", array.type.tz), safe=False)
            bounds = pc.min_max(array).as_py()
            self.low = _lower(self.low, bounds["min"])
            self.high = _upper(self.high, bounds["max"])
        return 0

    def count_cached(self) -> None:
        from gitml.tabular._accum import Binner

        assert self.cache is not None
        binner = Binner(self.edges)
        self.counts = sum(binner.counts(values) for values in self.cache)
        self.cache = None

    def kind(self) -> str:
        if self.family != "categorical":
            return self.family
        distinct = self.counter.distinct()
        if self.count and self.length_sum / self.count >= TEXT_MEAN_LENGTH:
            return "text"
        if distinct >= TEXT_MIN_DISTINCT and distinct > TEXT_DISTINCT_SHARE * self.count:
            return "text"
        return "categorical"

    def make_edges(self, bins: int) -> Any:
        if self.family != "numeric" or self.moments.count == 0:
            return None
        from gitml.tabular._accum import bin_counts

        edges = histogram_edges(self.reservoir.sample(), self.moments.low, self.moments.high, bins)
        if self.moments.count == self.reservoir.keys.size:
            self.counts = bin_counts(edges, self.reservoir.sample())
            self.cache = None
        return edges

    def to_dict(self, position: int, *, sample_size: int, top_k: int) -> dict[str, Any]:
        kind = self.kind()
        out: dict[str, Any] = {
            "position": position,
            "type": kind,
            "dtype": str(self.arrow_type),
            "count": self.count,
            "missing": self.missing,
        }
        if kind == "numeric" and self.moments.count:
            out.update(self._numeric(sample_size))
        elif kind in ("categorical", "boolean"):
            top = self.counter.top(top_k)
            out["distinct"] = self.counter.distinct()
            out["top"] = dict(top)
            out["other"] = self.count - sum(n for _, n in top)
        elif kind == "text":
            out["distinct"] = self.counter.distinct()
            if self.count:
                mean = self.length_sum / self.count
                out["length"] = {
                    "min": self.length_low,
                    "max": self.length_high,
                    "mean": _sig(mean),
                }
        elif kind == "datetime" and self.low is not None:
            out["min"] = self.low.isoformat()
            out["max"] = self.high.isoformat()
        return out

    def _numeric(self, sample_size: int) -> dict[str, Any]:
        np = _deps.numpy()
        m = self.moments
        integer = _is_integer(self.arrow_type)
        exponent = quantum_exponent(m.low, m.high)
        pool = self.reservoir.sample()
        quantiles = np.quantile(pool, list(QUANTILES.values()))
        sample = self.reservoir.sample(sample_size)
        return {
            "min": int(m.low) if integer else m.low,
            "max": int(m.high) if integer else m.high,
            "mean": _round(m.mean, exponent),
            "std": _sig(m.std),
            "quantiles": {
                k: _round(float(q), exponent) for k, q in zip(QUANTILES, quantiles, strict=True)
            },
            "histogram": {
                "edges": [float(e) for e in self.edges],
                "counts": [int(c) for c in self.counts],
            },
            "sample": [int(v) for v in sample]
            if integer
            else [_round(float(v), exponent) for v in sample],
        }


def histogram_edges(sample: Any, low: float, high: float, bins: int) -> Any:
    """Bin edges for ``bins`` bins of about equal mass, from a sorted sample.

    Discrete columns with at most ``bins`` distinct sampled values get one bin per value
    (edges at midpoints); otherwise edges are sample quantiles, rounded to a millionth of
    the range, de-duplicated, with the exact min and max as outer edges.
    """
    np = _deps.numpy()
    distinct = np.unique(sample)
    if low == high:
        return np.array([low, high])
    if distinct.size <= bins:
        inner = (distinct[:-1] + distinct[1:]) / 2
    else:
        inner = np.quantile(sample, np.linspace(0, 1, bins + 1)[1:-1])
    exponent = quantum_exponent(low, high)
    inner = np.array([_round(float(v), exponent) for v in inner])
    inner = np.unique(inner[(inner > low) & (inner < high)])
    return np.concatenate([[low], inner, [high]])


def quantum_exponent(low: float, high: float) -> int:
    """Decimal exponent of a millionth of the value range: the rounding step of stored values."""
    spread = high - low or abs(high) or 1.0
    return math.floor(math.log10(spread)) - 6


def _round(value: float, exponent: int) -> float:
    return float(round(value, -exponent))


def _sig(value: float, digits: int = 6) -> float:
    if value == 0 or not math.isfinite(value):
        return 0.0
    return float(round(value, digits - 1 - math.floor(math.log10(abs(value)))))


def _is_integer(arrow_type: Any) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_integer(arrow_type))


def _lower(current: Any, value: Any) -> Any:
    return value if current is None or (value is not None and value < current) else current


def _upper(current: Any, value: Any) -> Any:
    return value if current is None or (value is not None and value > current) else current
