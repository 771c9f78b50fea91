"""Generated tabular data: 20 columns mixing numeric, categorical, boolean and integer types."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

NUMERIC = [f"x{i}" for i in range(11)]


CATEGORICAL = [f"c{i}" for i in range(6)]


_SPEC = np.random.default_rng(12345)


CATEGORY_SHARES = {
    name: _SPEC.dirichlet(np.full(3 + 2 * i, 4.0)) for i, name in enumerate(CATEGORICAL)
}


def make_table(
    seed: int,
    rows: int,
    *,
    shift: dict[str, float] | None = None,
    new_category: dict[str, float] | None = None,
) -> Any:
    """A 20-column table; ``shift`` moves numeric columns by that many standard deviations,
    ``new_category`` replaces that share of a categorical column by an unseen value."""
    rng = np.random.default_rng(seed)
    shift = shift or {}
    new_category = new_category or {}
    columns: dict[str, Any] = {}
    for i, name in enumerate(NUMERIC):
        scale = 1.0 + i
        if i % 3 == 0:
            values = rng.normal(10.0 * i, scale, rows)
        elif i % 3 == 1:
            values = rng.lognormal(0.0, 0.5, rows) * scale
        else:
            values = rng.uniform(-scale, scale, rows)
        std = float(np.std(values))
        values = values + shift.get(name, 0.0) * std
        mask = rng.random(rows) < 0.02 if i < 4 else None
        columns[name] = pa.array(values, mask=mask)
    for name in CATEGORICAL:
        shares = CATEGORY_SHARES[name]
        labels = np.array([f"{name}_{j}" for j in range(shares.size)], dtype=object)
        values = labels[rng.choice(shares.size, rows, p=shares)]
        share = new_category.get(name, 0.0)
        if share:
            values[rng.random(rows) < share] = f"{name}_new"
        columns[name] = pa.array(values, type=pa.string())
    columns["flag"] = pa.array(rng.random(rows) < 0.3)
    columns["visits"] = pa.array(rng.poisson(3.0, rows))
    columns["score"] = pa.array(rng.beta(2.0, 5.0, rows))
    return pa.table(columns)
