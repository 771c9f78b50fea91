"""Streaming accumulators shared by profiles and serving statistics.

All of them take one RecordBatch column at a time and keep bounded state, so a file of
any length is summarised in one pass with fixed memory.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

FloatArray = npt.NDArray[np.float64]

# Exact category counts are kept up to this many distinct values; beyond it the rarest
# half is dropped (lossy counting), so frequent values stay exact-ish and memory bounded.
COUNTER_CAP = 10_000
# k of the k-minimum-values distinct-count sketch (relative error about 1/sqrt(k) = 3 %).
KMV_K = 1024
_TWO64 = float(2**64)


def numeric_kind(typ: Any) -> bool:
    return bool(pa.types.is_integer(typ) or pa.types.is_floating(typ) or pa.types.is_decimal(typ))


def string_kind(typ: Any) -> bool:
    if pa.types.is_dictionary(typ):
        return string_kind(typ.value_type)
    return bool(pa.types.is_string(typ) or pa.types.is_large_string(typ))


def datetime_kind(typ: Any) -> bool:
    return bool(pa.types.is_timestamp(typ) or pa.types.is_date(typ))


def column_type(typ: Any) -> str:
    """The profile type family of an arrow type (strings are refined later)."""
    if pa.types.is_boolean(typ):
        return "boolean"
    if numeric_kind(typ):
        return "numeric"
    if string_kind(typ):
        return "categorical"
    if datetime_kind(typ):
        return "datetime"
    if pa.types.is_null(typ):
        return "null"
    return "other"


def finite_values(array: Any) -> tuple[FloatArray, npt.NDArray[np.bool_] | None]:
    """Finite float64 values of a numeric array and the row mask that selects them.

    Nulls, NaN and infinities are all treated as missing; the mask is None when every
    row is kept.
    """
    if pa.types.is_decimal(array.type):
        array = pc.cast(array, pa.float64())
    raw = np.asarray(array.to_numpy(zero_copy_only=False), dtype=np.float64)
    if pa.types.is_integer(array.type) and array.null_count == 0:
        return raw, None
    mask = np.isfinite(raw)
    if mask.all():
        return raw, None
    return raw[mask], mask


@dataclass(slots=True)
class Moments:
    """Count, mean, sum of squared deviations (Chan et al.), min and max."""

    count: int = 0
    mean: float = 0.0
    m2: float = 0.0
    low: float = math.inf
    high: float = -math.inf

    def update(self, values: FloatArray) -> None:
        n = int(values.size)
        if n == 0:
            return
        mean = float(values.mean())
        m2 = float(np.square(values - mean).sum())
        total = self.count + n
        delta = mean - self.mean
        self.m2 += m2 + delta * delta * self.count * n / total
        self.mean += delta * n / total
        self.count = total
        self.low = min(self.low, float(values.min()))
        self.high = max(self.high, float(values.max()))

    @property
    def std(self) -> float:
        return math.sqrt(self.m2 / (self.count - 1)) if self.count > 1 else 0.0


@dataclass(slots=True)
class Reservoir:
    """A uniform sample without replacement: the values with the smallest random keys.

    Keys come from one seeded generator drawn row by row, so the sample does not depend
    on how the file was cut into batches.
    """

    capacity: int
    values: FloatArray = field(default_factory=lambda: np.empty(0))
    keys: FloatArray = field(default_factory=lambda: np.empty(0))
    limit: float = 1.0

    def update(self, values: FloatArray, keys: FloatArray) -> None:
        take = keys < self.limit
        if not take.any():
            return
        self.values = np.concatenate([self.values, values[take]])
        self.keys = np.concatenate([self.keys, keys[take]])
        if self.keys.size >= 2 * self.capacity:
            self.trim()

    def trim(self) -> None:
        if self.keys.size > self.capacity:
            keep = np.argpartition(self.keys, self.capacity - 1)[: self.capacity]
            self.values, self.keys = self.values[keep], self.keys[keep]
            self.limit = float(self.keys.max())

    def sample(self, size: int | None = None) -> FloatArray:
        """The ``size`` values with the smallest keys (all by default), sorted by value."""
        self.trim()
        if size is not None and size < self.keys.size:
            keep = np.argpartition(self.keys, size - 1)[:size]
            return np.sort(self.values[keep])
        return np.sort(self.values)


@dataclass(slots=True)
class Counter:
    """Value counts with bounded memory, plus a k-minimum-values distinct-count sketch.

    Counts are exact up to ``2 * COUNTER_CAP`` distinct values. Beyond that the column is
    high-cardinality: the ``COUNTER_CAP`` most frequent values so far stay tracked (and
    counted exactly from then on, in C++ via ``is_in``), the rest go to ``dropped``.
    """

    counts: dict[str, int] = field(default_factory=dict)
    dropped: int = 0
    hashes: npt.NDArray[np.uint64] = field(default_factory=lambda: np.empty(0, np.uint64))
    tracked: Any = None

    def update(self, array: Any) -> None:
        if pa.types.is_dictionary(array.type):
            array = array.dictionary_decode()
        array = array.drop_null()
        if self.tracked is not None:
            self._sketch(string_hashes(array))
            kept = array.filter(pc.is_in(array, value_set=self.tracked))
            self.dropped += len(array) - len(kept)
            array = kept
        counted = pc.value_counts(array)
        values = counted.field("values")
        if self.tracked is None:
            self._sketch(string_hashes(values))
        counts = self.counts
        for value, number in zip(
            values.to_pylist(), counted.field("counts").to_pylist(), strict=True
        ):
            counts[value] = counts.get(value, 0) + number
        if len(counts) > 2 * COUNTER_CAP:
            ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            self.counts = dict(ranked[:COUNTER_CAP])
            self.dropped += sum(n for _, n in ranked[COUNTER_CAP:])
            self.tracked = pa.array(list(self.counts), pa.large_string())

    def update_bool(self, array: Any) -> None:
        true = int(pc.sum(array).as_py() or 0)
        false = len(array) - array.null_count - true
        for value, number in (("true", true), ("false", false)):
            if number:
                self.counts[value] = self.counts.get(value, 0) + number

    def _sketch(self, fresh: npt.NDArray[np.uint64]) -> None:
        if self.hashes.size >= KMV_K:
            fresh = fresh[fresh < self.hashes[-1]]
        if fresh.size:
            self.hashes = np.unique(np.concatenate([self.hashes, fresh]))[:KMV_K]

    @property
    def exact(self) -> bool:
        return self.dropped == 0

    def distinct(self) -> int:
        """Exact while nothing was dropped, else the KMV estimate."""
        if self.exact:
            return len(self.counts)
        if self.hashes.size < KMV_K:
            return int(self.hashes.size)
        return round((KMV_K - 1) / (float(self.hashes[-1]) / _TWO64))

    def top(self, k: int) -> list[tuple[str, int]]:
        """The k most frequent values, ties broken by value so the result is deterministic."""
        return sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0]))[:k]


_HASH_BASE = np.uint64(0x100000001B3)
_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB))


def string_hashes(array: Any) -> npt.NDArray[np.uint64]:
    """64-bit hashes of the non-null strings of an arrow array, vectorized over its buffers.

    A polynomial hash of the UTF-8 bytes (mod 2**64) and the length, finished with the
    splitmix64 mixer: good enough for distinct counting, not for security.
    """
    array = array.drop_null().cast(pa.large_string())
    n = len(array)
    if n == 0:
        return np.empty(0, np.uint64)
    _, offsets_buffer, data_buffer = array.buffers()
    offsets = np.frombuffer(offsets_buffer, np.int64, n + 1, array.offset * 8)
    lengths = np.diff(offsets)
    total = int(offsets[-1] - offsets[0])
    sums = np.zeros(n, np.uint64)
    if total:
        data = np.frombuffer(data_buffer, np.uint8, total, int(offsets[0])).astype(np.uint64)
        starts = offsets[:-1] - offsets[0]
        position = np.arange(total) - np.repeat(starts, lengths)
        powers = np.ones(int(lengths.max()), np.uint64)
        powers[1:] = np.cumprod(np.full(powers.size - 1, _HASH_BASE, np.uint64))
        filled = lengths > 0
        sums[filled] = np.add.reduceat(data * powers[position], starts[filled])
    with np.errstate(over="ignore"):
        z = (sums ^ (lengths.astype(np.uint64) * _MIX[0])) + _MIX[0]
        z = (z ^ (z >> np.uint64(30))) * _MIX[1]
        z = (z ^ (z >> np.uint64(27))) * _MIX[2]
        return z ^ (z >> np.uint64(31))


def bin_index(edges: FloatArray, values: FloatArray) -> npt.NDArray[np.intp]:
    """Bin of each value for bins [e0, e1), [e1, e2), ..., [e(n-1), en].

    The outer bins extend to minus and plus infinity, so every value lands in a bin.
    """
    return np.searchsorted(edges[1:-1], values, side="right")


class Binner:
    """Counts values into fixed bins, several times faster than a binary search.

    A uniform grid of ``GRID`` cells over the edge range maps most values to their bin by
    table lookup; only values whose cell also holds an edge are binary-searched. The
    result equals :func:`bin_index` exactly: the cell function is monotonic, so a cell
    without an edge lies entirely between the same two edges.
    """

    GRID = 1 << 14

    def __init__(self, edges: FloatArray) -> None:
        self.edges = np.asarray(edges, dtype=np.float64)
        self.inner = self.edges[1:-1]
        self.nbins = max(self.edges.size - 1, 1)
        low, high = float(self.edges[0]), float(self.edges[-1])
        span = high - low
        self.scale = self.GRID / span if span > 0 and math.isfinite(self.GRID / span) else 0.0
        self.low = low
        if self.scale:
            edge_cells = self._cells(self.inner)
            cells = np.arange(self.GRID)
            self.lookup = np.searchsorted(edge_cells, cells, side="left")
            self.exact = np.zeros(self.GRID, dtype=bool)
            self.exact[edge_cells] = True

    def _cells(self, values: FloatArray) -> npt.NDArray[np.int64]:
        scaled = (values - self.low) * self.scale
        return np.clip(scaled, 0, self.GRID - 1).astype(np.int64)

    def counts(self, values: FloatArray) -> npt.NDArray[np.int64]:
        if self.nbins == 1 or values.size == 0:
            return np.array([values.size] + [0] * (self.nbins - 1), dtype=np.int64)
        if not self.scale:
            index = np.searchsorted(self.inner, values, side="right")
        else:
            cells = self._cells(values)
            index = self.lookup[cells]
            exact = self.exact[cells]
            index[exact] = np.searchsorted(self.inner, values[exact], side="right")
        return np.bincount(index, minlength=self.nbins).astype(np.int64)


def bin_counts(edges: FloatArray, values: FloatArray) -> npt.NDArray[np.int64]:
    return Binner(edges).counts(values)
