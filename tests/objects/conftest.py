"""Fixtures for the object store: a cache, one filled with assorted objects, a stat cache."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gitml.objects.cache import Cache, LinkMode
from gitml.objects.digest import Digest
from gitml.objects.statcache import StatCache
from tests.servers import random_bytes
from tests.support.data import write


@pytest.fixture
def cache(tmp_path: Path) -> Cache:
    return Cache(tmp_path / "cache", link=LinkMode.COPY)


@pytest.fixture
def filled_cache(cache: Cache, tmp_path: Path) -> dict[Digest, bytes]:
    """Five objects of assorted sizes in ``cache``; returns their content by digest."""
    contents = [b"", b"a", b"hello world\n", random_bytes(70_000), random_bytes(3 << 20)]
    objects: dict[Digest, bytes] = {}
    for i, data in enumerate(contents):
        digest = write(tmp_path / "src" / f"f{i}", data)
        cache.store(tmp_path / "src" / f"f{i}", digest)
        objects[digest] = data
    return objects


@pytest.fixture
def statcache(tmp_path: Path) -> Iterator[StatCache]:
    with StatCache(tmp_path / "state") as sc:
        yield sc
