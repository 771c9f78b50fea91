"""Data-layer tests: files to hash (``write``), the AWS variables a test must clear, and
the bounded download every kind of data remote must do (``assert_download_bounded``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitml.objects.digest import Digest, hash_bytes
from gitml.objects.errors import TooLarge
from gitml.objects.remotes.base import Remote

AWS_VARS = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_REGION",
)


def write(path: Path, data: bytes) -> Digest:
    """Write ``data`` to ``path`` (parents created); return its digest."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return hash_bytes(data)


def assert_download_bounded(remote: Remote, tmp_path: Path) -> str:
    """Upload a 3 MiB and a 5-byte object to ``remote``: downloading the big one with a
    1 MiB limit is ``TooLarge`` in one line naming it and leaves nothing; the small one
    comes. Returns the message."""
    big = write(tmp_path / "src" / "big", b"z" * (3 << 20))
    small = write(tmp_path / "src" / "small", b"small")
    remote.upload(big, tmp_path / "src" / "big")
    remote.upload(small, tmp_path / "src" / "small")
    dest = tmp_path / "bounded"
    dest.mkdir()
    with pytest.raises(TooLarge) as info:
        remote.download(big, dest / "big", max_bytes=1 << 20)
    message = str(info.value)
    assert f"object {big} on data remote '{remote.url}' is " in message
    assert "over the 1.0 MiB limit" in message
    assert "\n" not in message
    assert list(dest.iterdir()) == []
    assert remote.download(small, dest / "small", max_bytes=5) == 5
    assert (dest / "small").read_bytes() == b"small"
    return message
