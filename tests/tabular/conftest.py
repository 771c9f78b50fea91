"""Generated tabular data: 20 columns mixing numeric, categorical, boolean and integer types."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from tests.support.tabular import make_table


@pytest.fixture(scope="session")
def training_parquet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tabular") / "train.parquet"
    pq.write_table(make_table(0, 100_000), path)
    return path


@pytest.fixture(scope="session")
def training_profile(training_parquet: Path) -> dict[str, Any]:
    from gitml.tabular.profile import profile_table

    return profile_table(training_parquet)
