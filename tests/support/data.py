"""Data-layer tests: files to hash (``write``) and the AWS variables a test must clear."""

from __future__ import annotations

from pathlib import Path

from gitml.objects.digest import Digest, hash_bytes

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
