"""Fixtures for the data layer: files to hash and a real S3-compatible server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gitml.data.cache import Cache, LinkMode
from gitml.data.digest import Digest, hash_bytes
from gitml.data.statcache import StatCache
from tests.servers import random_bytes
from tests.support.data import AWS_VARS, write


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A real moto S3 server (``ThreadedMotoServer``) for the whole session."""
    from tests.servers import moto_s3

    with moto_s3() as endpoint:
        yield endpoint


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, hermetic_git: Path) -> None:
    """Test credentials only; no profile, config file or instance metadata lookups."""
    for var in AWS_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(hermetic_git / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(hermetic_git / "aws-credentials"))


@pytest.fixture
def s3_client(moto_endpoint: str, aws_env: None) -> Any:
    import boto3

    return boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")


@pytest.fixture
def bucket(s3_client: Any, request: pytest.FixtureRequest) -> str:
    """A fresh, empty bucket named after the test."""
    name = "t-" + hash_bytes(request.node.nodeid.encode()).hex[:24]
    s3_client.create_bucket(Bucket=name)
    return name


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
