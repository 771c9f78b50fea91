"""Serving-side statistics, accumulated batch by batch against a training profile.

Memory is fixed by the profile, not by the data: per numeric column the counts on the
training histogram edges, the mass beyond the outer edges, moments and a reservoir
sample; per categorical column capped category counts. Ten million rows stream through
in the same memory as ten thousand.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitml.errors import InvalidRecord
from gitml.tabular import _deps
from gitml.tabular.read import PathLike, scan

# Which observed arrow families each training type accepts ("null" is always accepted).
COMPATIBLE = {
    "numeric": {"numeric"},
    "categorical": {"categorical"},
    "text": {"categorical"},
    "boolean": {"boolean"},
    "datetime": {"datetime"},
}


class ServingColumn:
    """Statistics of one serving column."""

    def __init__(self, name: str, trained: Mapping[str, Any] | None, capacity: int) -> None:
        from gitml.tabular import _accum

        np = _deps.numpy()
        self.name = name
        self.trained = trained
        self.dtypes: list[str] = []
        self.families: set[str] = set()
        self.count = 0
        self.missing = 0
        self.moments = _accum.Moments()
        self.reservoir = _accum.Reservoir(capacity)
        self.counter = _accum.Counter()
        histogram = (trained or {}).get("histogram") or {"edges": [], "counts": []}
        self.edges = np.asarray(histogram["edges"], dtype=np.float64)
        self.bins = np.zeros(len(histogram["counts"]), np.int64)
        self.binner = _accum.Binner(self.edges) if self.bins.size else None
        self.n_below = 0
        self.n_above = 0
        self.below = 0.0
        self.above = 0.0

    @property
    def type_changed(self) -> bool:
        """Whether a non-null serving type is not one the training type accepts."""
        if self.trained is None or self.trained["dtype"] == "null":
            return False
        accepted = COMPATIBLE.get(self.trained["type"])
        if accepted is None:
            return any(d != self.trained["dtype"] for d in self.dtypes if d != "null")
        return not self.families <= accepted

    def update(self, array: Any, keys: Any) -> None:
        from gitml.tabular import _accum

        family = _accum.column_type(array.type)
        dtype = str(array.type)
        if dtype not in self.dtypes:
            self.dtypes.append(dtype)
        if family != "null":
            self.families.add(family)
        n = len(array)
        if self.trained is None or self.type_changed or family == "null":
            self.missing += array.null_count
            self.count += n - array.null_count
            return
        if family == "numeric":
            values, mask = _accum.finite_values(array)
            self._numeric(values, keys if mask is None else keys[mask])
            self.count += int(values.size)
            self.missing += n - int(values.size)
            return
        self.count += n - array.null_count
        self.missing += array.null_count
        if family == "boolean":
            self.counter.update_bool(array)
        elif family == "categorical" and self.trained["type"] == "categorical":
            self.counter.update(array)

    def _numeric(self, values: Any, keys: Any) -> None:
        self.moments.update(values)
        self.reservoir.update(values, keys)
        if self.binner is not None and values.size:
            self.bins += self.binner.counts(values)
            low, high = self.edges[0], self.edges[-1]
            under, over = values[values < low], values[values > high]
            self.n_below += int(under.size)
            self.n_above += int(over.size)
            self.below += float((low - under).sum())
            self.above += float((over - high).sum())


class ServingAccumulator:
    """Accumulate serving RecordBatches (or Tables) for :func:`gitml.tabular.drift.compare`."""

    def __init__(
        self, profile: Mapping[str, Any], *, sample_size: int | None = None, seed: int = 0
    ) -> None:
        _deps.require()
        np = _deps.numpy()
        if profile.get("schema") != "gitml/profile/1" or "columns" not in profile:
            raise InvalidRecord("not a gitml profile (expected schema = 'gitml/profile/1')")
        self.profile = profile
        self.sample_size = (
            sample_size
            if sample_size is not None
            else int(profile.get("params", {}).get("sample_size", 1000))
        )
        self.rows = 0
        self.columns: dict[str, ServingColumn] = {}
        self._rng = np.random.default_rng(seed)

    def update(self, batch: Any) -> None:
        """Add a RecordBatch or a Table."""
        np = _deps.numpy()
        if hasattr(batch, "to_batches"):
            parts = batch.to_batches()
            if not parts:
                pa = _deps.pyarrow()
                parts = [pa.RecordBatch.from_pylist([], schema=batch.schema)]
            for part in parts:
                self.update(part)
            return
        n = batch.num_rows
        keys = self._rng.random(n) if n else np.empty(0)
        trained = self.profile["columns"]
        for index, column in enumerate(batch.schema):
            state = self.columns.get(column.name)
            if state is None:
                state = ServingColumn(
                    column.name, trained.get(column.name), max(self.sample_size, 1)
                )
                if self.rows:
                    state.missing += self.rows
                self.columns[column.name] = state
            state.update(batch.column(index), keys)
        for name, state in self.columns.items():
            if batch.schema.get_field_index(name) < 0:
                state.missing += n
        self.rows += n


def accumulate(
    profile: Mapping[str, Any], path: PathLike, *, format: str | None = None, seed: int = 0
) -> ServingAccumulator:
    """Stream a serving file into a ServingAccumulator.

    CSV columns are read with the training dtypes so that, say, an all-digit batch of a
    string column stays a string; a value that does not fit widens only that column.
    """
    hints = {
        name: col["dtype"]
        for name, col in profile["columns"].items()
        if col["dtype"] in ("int64", "double", "string", "bool")
    }

    def consume(batches: Any) -> ServingAccumulator:
        acc = ServingAccumulator(profile, seed=seed)
        for batch in batches:
            acc.update(batch)
        return acc

    return scan(path, consume, format=format, column_types=hints)
