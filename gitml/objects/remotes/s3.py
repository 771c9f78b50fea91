"""S3-compatible data remotes through boto3 (the optional extra ``gitml[s3]``).

``s3://bucket/prefix`` holds objects under ``prefix/<2 hex>/<30 hex>``. Endpoint, region
and credentials come from the usual AWS settings (``AWS_ENDPOINT_URL``, ``AWS_PROFILE``,
``AWS_ACCESS_KEY_ID``..., ``~/.aws/config``) unless given as options. A PUT is atomic, so
a killed upload leaves no object; downloads are streamed to a temporary file, verified,
and renamed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from gitml.objects.digest import Digest, is_hex, parse_digest
from gitml.objects.errors import RemoteError
from gitml.objects.remotes.base import Remote, Source, absent_object, oversized_remote_object
from gitml.objects.remotes.stream import CHUNK, hash_chunks, lookup_many, read_source, receive

if TYPE_CHECKING:
    from gitml.objects.progress import Progress

OPTIONS = ("endpoint_url", "region", "profile", "connect_timeout", "read_timeout", "max_attempts")
_HEAD_THRESHOLD = 256  # up to this many digests, HEAD each; above, list the prefix
_HEAD_JOBS = 16
_LIST_PAGE = 1000


class S3Remote(Remote):
    """A data remote in an S3 bucket (AWS or any S3-compatible server)."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        profile: str | None = None,
        connect_timeout: float = 5.0,
        read_timeout: float = 60.0,
        max_attempts: int = 3,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.url = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"
        try:
            import boto3
            import boto3.exceptions
            import botocore.config
            import botocore.exceptions
        except ImportError:
            raise RemoteError(
                f"data remote '{self.url}' needs boto3; install it with: pip install 'gitml[s3]'"
            ) from None
        self._errors: tuple[type[Exception], ...] = (
            botocore.exceptions.BotoCoreError,
            botocore.exceptions.ClientError,
            boto3.exceptions.Boto3Error,
        )
        config = botocore.config.Config(
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            retries={"max_attempts": max_attempts, "mode": "standard"},
            max_pool_connections=32,
        )
        try:
            session = boto3.session.Session(profile_name=profile, region_name=region)
            self.client: Any = session.client("s3", endpoint_url=endpoint_url, config=config)
        except self._errors as exc:
            raise self._error(exc, "configure") from exc
        self.endpoint: str = self.client.meta.endpoint_url

    @classmethod
    def from_url(cls, url: str, **options: Any) -> S3Remote:
        """Parse ``s3://bucket[/prefix]``; ``options`` are the keyword arguments above, as
        ``gitml.objects.remotes.open_remote`` checked them."""
        parts = urlsplit(url)
        if not parts.netloc or parts.query or parts.fragment:
            raise RemoteError(f"invalid S3 data remote '{url}': expected s3://bucket/prefix")
        return cls(parts.netloc, parts.path, **options)

    def _key(self, digest: str) -> str:
        hex32 = parse_digest(digest).hex
        key = f"{hex32[:2]}/{hex32[2:]}"
        return f"{self.prefix}/{key}" if self.prefix else key

    def _error(self, exc: Exception, action: str) -> RemoteError:
        """One line naming the remote and what to check, for a boto3/botocore error."""
        import botocore.exceptions as bx

        where = f"data remote '{self.url}' (endpoint {getattr(self, 'endpoint', 'default')})"
        if isinstance(exc, bx.ProfileNotFound):
            return RemoteError(f"{exc} for {where}; check AWS_PROFILE and ~/.aws/config")
        if isinstance(exc, bx.NoCredentialsError | bx.PartialCredentialsError):
            return RemoteError(
                f"no usable AWS credentials for {where}; set AWS_ACCESS_KEY_ID and "
                f"AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or configure ~/.aws/credentials"
            )
        if isinstance(exc, bx.EndpointConnectionError | bx.ConnectTimeoutError):
            return RemoteError(
                f"cannot reach {where}: {exc}; check the endpoint URL, the network and any proxy"
            )
        if isinstance(exc, bx.ReadTimeoutError):
            return RemoteError(f"{where} timed out during {action}; check the network, then retry")
        if isinstance(exc, bx.ClientError):
            error = exc.response.get("Error", {})
            code = str(error.get("Code", "?"))
            if code in ("NoSuchBucket", "404") and action == "check":
                return RemoteError(
                    f"bucket '{self.bucket}' does not exist at {where}; create it or fix the URL"
                )
            if code in ("AccessDenied", "403", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
                return RemoteError(
                    f"{where} denied {action} ({code}); check the credentials and the bucket policy"
                )
            return RemoteError(
                f"{where} refused {action}: {code} {error.get('Message', '')}".strip()
            )
        return RemoteError(f"{action} failed on {where}: {exc}")

    def check(self) -> None:
        """Probe the bucket (``HeadBucket``); raise a one-line ``RemoteError`` if unusable."""
        self._run("check", partial(self.client.head_bucket, Bucket=self.bucket))

    def _head(self, digest: Digest) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(digest))
        except self._errors as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code")
            if code in ("404", "NoSuchKey", "NotFound"):
                return False
            raise self._error(exc, "a lookup") from exc
        return True

    def has_many(self, digests: Iterable[str]) -> set[Digest]:
        return lookup_many(
            digests,
            exists=self._head,
            listing=self.iter_digests,
            threshold=_HEAD_THRESHOLD,
            jobs=_HEAD_JOBS,
        )

    def _upload(self, digest: Digest, src_path: Source, progress: Progress | None) -> int:
        data, size = read_source(src_path, digest)
        try:
            if data is not None:
                self.client.put_object(Bucket=self.bucket, Key=self._key(digest), Body=data)
            else:
                sent = None if progress is None else partial(_sent, progress)
                self.client.upload_file(
                    os.fspath(src_path), self.bucket, self._key(digest), Callback=sent
                )
        except self._errors as exc:
            raise self._error(exc, "upload") from exc
        return size

    def _get(self, digest: Digest) -> Any:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._key(digest))
        except self._errors as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code")
            if code in ("404", "NoSuchKey"):
                raise absent_object(self.url, digest) from exc
            raise self._error(exc, "download") from exc

    def _content_digest(self, digest: Digest) -> Digest:
        chunks = self._get(digest)["Body"].iter_chunks(CHUNK)
        return self._run("download", partial(hash_chunks, chunks))

    def _download(
        self, digest: Digest, dest: Path, progress: Progress | None, max_bytes: int | None
    ) -> int:
        response = self._get(digest)
        size = response.get("ContentLength")
        if max_bytes is not None and isinstance(size, int) and size > max_bytes:
            response["Body"].close()  # the length came with the headers: no byte is read
            raise oversized_remote_object(self.url, digest, size, max_bytes)
        chunks = response["Body"].iter_chunks(CHUNK)
        get = partial(
            receive, chunks, dest, digest, url=self.url, progress=progress, max_bytes=max_bytes
        )
        return self._run("download", get)

    def iter_digests(self) -> Iterator[Digest]:
        start = f"{self.prefix}/" if self.prefix else ""
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=start, PaginationConfig={"PageSize": _LIST_PAGE}
            )
            for page in pages:
                for item in page.get("Contents", ()):
                    rest = item["Key"][len(start) :]
                    if len(rest) == 33 and rest[2] == "/":
                        head, tail = rest[:2], rest[3:]
                        if is_hex(head, 2) and is_hex(tail, 30):
                            yield Digest.from_hex(head + tail)
        except self._errors as exc:
            raise self._error(exc, "listing") from exc

    def remove(self, digest: str) -> None:
        """Delete an object (absent objects are not an error on S3)."""
        key = self._key(digest)
        self._run("delete", partial(self.client.delete_object, Bucket=self.bucket, Key=key))


def _sent(progress: Progress, nbytes: int) -> None:
    """boto3's transfer callback: ``nbytes`` more were sent."""
    progress.update(nbytes=nbytes)
