"""Monitoring tests: generated frames, stored profiles and report helpers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gitml.errors import ALERT_EXIT
from tests.support.core import cli

ROWS = 100_000


NUMERIC = 15


CATEGORIES = ("red", "green", "blue", "amber", "violet")


def make_frame(rows: int, seed: int, *, shift: float = 0.0, new_share: float = 0.0) -> Any:
    """15 numeric (n0..n14) and 5 categorical (c0..c4) columns; n0 shifted by ``shift`` sd."""
    import numpy as np
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    cols: dict[str, Any] = {}
    for i in range(NUMERIC):
        values = rng.normal(10.0 * i, 1.0 + i, rows)
        if i == 0:
            values = values + shift * 1.0
        cols[f"n{i}"] = values
    for j in range(5):
        labels = np.array(CATEGORIES)[rng.integers(0, len(CATEGORIES), rows)]
        if j == 0 and new_share:
            labels = np.where(rng.random(rows) < new_share, "ultraviolet", labels)
        cols[f"c{j}"] = labels
    return pa.table(cols)


def write_csv(table: Any, path: Path) -> Path:
    import pyarrow.csv as pacsv

    pacsv.write_csv(table, path)
    return path


def store_profile(repo: Path, data: Path) -> str:
    """Profile ``data`` and store it by content on refs/gitml/data (as `data add` does)."""
    from gitml.records import codec
    from gitml.runs.digests import path_digest
    from gitml.storage import DATA_REF
    from gitml.storage.collection import Collection, wide_shard_of
    from gitml.storage.repo import open_repo
    from gitml.tabular.profile import profile_table

    digest = path_digest(data)
    hexpart = digest.split(":", 1)[1]
    coll = Collection(open_repo(repo), DATA_REF, "data", sharded=False)
    coll.put(
        f"profiles/{wide_shard_of(hexpart)}/{hexpart}.toml",
        codec.dump_bytes(profile_table(data)),
        f"profile of {data.name}",
    )
    return digest


def monitor_json(*args: str) -> tuple[int, dict[str, Any]]:
    result = cli("monitor", *args, "--json")
    assert result.exit_code in (0, ALERT_EXIT), result.stderr
    return result.exit_code, json.loads(result.stdout)


def alerted(doc: dict[str, Any]) -> set[str]:
    return {f["column"] for f in doc["findings"] if f["alert"]}
