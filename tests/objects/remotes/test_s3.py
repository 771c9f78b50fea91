from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from gitml.objects.digest import BIG_FILE, hash_bytes
from gitml.objects.errors import IntegrityError, RemoteError
from gitml.objects.remotes import open_remote, s3
from gitml.objects.remotes.base import Remote
from gitml.objects.remotes.s3 import S3Remote
from tests.support.core import free_port
from tests.support.data import assert_download_bounded, write


def test_open_remote_s3_round_trip(
    tmp_path: Path, moto_endpoint: str, bucket: str, s3_client: Any
) -> None:
    remote = open_remote(f"s3://{bucket}/data/v1/", endpoint_url=moto_endpoint)
    assert isinstance(remote, S3Remote)
    assert isinstance(remote, Remote)
    assert remote.url == f"s3://{bucket}/data/v1"
    digest = write(tmp_path / "src", b"to the cloud")
    assert remote.has_many([digest]) == set()
    assert remote.upload(digest, tmp_path / "src") == 12
    keys = [o["Key"] for o in s3_client.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == [f"data/v1/{digest.hex[:2]}/{digest.hex[2:]}"]
    assert remote.has_many([digest, hash_bytes(b"x")]) == {digest}
    assert list(remote.iter_digests()) == [digest]
    assert remote.download(digest, tmp_path / "back") == 12
    assert (tmp_path / "back").read_bytes() == b"to the cloud"


def test_s3_big_object_round_trip(tmp_path: Path, moto_endpoint: str, bucket: str) -> None:
    remote = S3Remote(bucket, endpoint_url=moto_endpoint)
    data = bytes(range(256)) * ((BIG_FILE + 12345) // 256)
    digest = write(tmp_path / "big", data)
    assert remote.upload(digest, tmp_path / "big") == len(data)
    assert remote.download(digest, tmp_path / "back") == len(data)
    assert (tmp_path / "back").read_bytes() == data


def test_s3_endpoint_from_aws_environment(
    tmp_path: Path, moto_endpoint: str, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    remote = open_remote(f"s3://{bucket}")
    digest = write(tmp_path / "src", b"env endpoint")
    remote.upload(digest, tmp_path / "src")
    assert remote.has_many([digest]) == {digest}


def test_s3_has_many_by_listing(
    tmp_path: Path, moto_endpoint: str, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    remote = S3Remote(bucket, "p", endpoint_url=moto_endpoint)
    digests = [write(tmp_path / f"s{i}", f"n{i}".encode()) for i in range(5)]
    for i in range(3):
        remote.upload(digests[i], tmp_path / f"s{i}")
    head = remote.has_many(digests)
    monkeypatch.setattr(s3, "_HEAD_THRESHOLD", 0)
    assert remote.has_many(digests) == head == set(digests[:3])


def test_s3_listing_pages_and_ignores_foreign_keys(
    moto_endpoint: str, bucket: str, s3_client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(s3, "_LIST_PAGE", 7)
    digests = {hash_bytes(f"{i}".encode()) for i in range(30)}  # several pages
    for d in digests:
        s3_client.put_object(Bucket=bucket, Key=f"p/{d.hex[:2]}/{d.hex[2:]}", Body=b"")
    s3_client.put_object(Bucket=bucket, Key="p/README", Body=b"")
    s3_client.put_object(Bucket=bucket, Key="other/ab/" + "0" * 30, Body=b"")
    assert set(S3Remote(bucket, "p", endpoint_url=moto_endpoint).iter_digests()) == digests


def test_s3_download_verifies_and_deletes_on_mismatch(
    tmp_path: Path, moto_endpoint: str, bucket: str, s3_client: Any
) -> None:
    remote = S3Remote(bucket, endpoint_url=moto_endpoint)
    digest = hash_bytes(b"genuine")
    s3_client.put_object(Bucket=bucket, Key=f"{digest.hex[:2]}/{digest.hex[2:]}", Body=b"forged!")
    dest = tmp_path / "dest"
    dest.mkdir()
    with pytest.raises(IntegrityError, match=f"object {digest} on data remote 's3://{bucket}'"):
        remote.download(digest, dest / "f")
    assert list(dest.iterdir()) == []


def test_s3_upload_refuses_corrupt_source(tmp_path: Path, moto_endpoint: str, bucket: str) -> None:
    remote = S3Remote(bucket, endpoint_url=moto_endpoint)
    digest = write(tmp_path / "src", b"expected")
    (tmp_path / "src").write_bytes(b"rotten")
    with pytest.raises(IntegrityError, match="was not uploaded"):
        remote.upload(digest, tmp_path / "src")
    assert remote.has_many([digest]) == set()


def test_s3_download_missing_object(tmp_path: Path, moto_endpoint: str, bucket: str) -> None:
    remote = S3Remote(bucket, endpoint_url=moto_endpoint)
    with pytest.raises(RemoteError, match="is not on data remote"):
        remote.download(hash_bytes(b"absent"), tmp_path / "f")


def test_s3_missing_bucket_is_named(moto_endpoint: str, aws_env: None) -> None:
    with pytest.raises(RemoteError, match="bucket 'no-such-bucket' does not exist"):
        open_remote("s3://no-such-bucket/x", endpoint_url=moto_endpoint)


def test_s3_unreachable_endpoint_fails_fast_with_one_line(aws_env: None) -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    start = time.monotonic()
    with pytest.raises(RemoteError) as info:
        open_remote("s3://bucket/prefix", endpoint_url=endpoint, connect_timeout=1)
    assert time.monotonic() - start < 10
    message = str(info.value)
    assert "cannot reach data remote 's3://bucket/prefix'" in message
    assert endpoint in message
    assert "check the endpoint URL" in message
    assert "\n" not in message


def test_s3_without_credentials_says_what_to_set(
    moto_endpoint: str, aws_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(RemoteError, match=r"no usable AWS credentials .* AWS_ACCESS_KEY_ID"):
        open_remote("s3://bucket", endpoint_url=moto_endpoint)


def test_s3_unknown_profile_is_named(aws_env: None) -> None:
    with pytest.raises(RemoteError, match=r"nosuchprofile.*check AWS_PROFILE"):
        open_remote("s3://bucket", profile="nosuchprofile")


@pytest.mark.parametrize(
    ("url", "options", "match"),
    [
        ("s3://", {}, "expected s3://bucket/prefix"),
        ("s3://b/p?x=1", {}, "expected s3://bucket/prefix"),
        ("s3://b/p", {"endpoint": "x"}, "unknown option.*endpoint.*known: endpoint_url"),
    ],
)
def test_s3_bad_urls_and_options(
    url: str, options: dict[str, Any], match: str, aws_env: None
) -> None:
    with pytest.raises(RemoteError, match=match):
        open_remote(url, **options)


def test_s3_download_past_its_limit_is_refused_by_its_length(
    tmp_path: Path, moto_endpoint: str, bucket: str
) -> None:
    """The length comes with the response headers: an object over ``max_bytes`` is refused
    before its body is read; one within it is fetched."""
    message = assert_download_bounded(S3Remote(bucket, endpoint_url=moto_endpoint), tmp_path)
    assert "is 3.0 MiB" in message
