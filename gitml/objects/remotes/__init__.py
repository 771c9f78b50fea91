"""The kinds of data remote, by URL scheme, and how each is opened (``open_remote``).

A directory (a path or ``file://``) is a ``directory.DirectoryRemote``; every other URL
names a kind here: ``s3://`` (boto3), and ``gs://``, ``azure://``, ``ssh://`` and
``https://`` (read-only) through fsspec's back-ends, the URLs DVC users already have.
Each kind's library is an optional extra (``pip install 'gitml[gcs]'``...); options are
the settings stored beside the URL in ``.gitml/config.toml`` (never credentials, which
come from each library's usual environment variables and files).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple
from urllib.parse import SplitResult, unquote, urlsplit

from gitml.objects.errors import RemoteError
from gitml.objects.remotes.base import Remote
from gitml.objects.remotes.directory import DirectoryRemote
from gitml.objects.remotes.fsspec import FsspecRemote, remote_error
from gitml.objects.remotes.s3 import OPTIONS as S3_OPTIONS
from gitml.objects.remotes.s3 import S3Remote

_SSH_TIMEOUT = 30.0  # seconds to connect


class RemoteKind(NamedTuple):
    """One kind of remote: its URL schemes, pip extra, stored options and how to open it."""

    schemes: tuple[str, ...]
    extra: str
    example: str
    options: tuple[str, ...]
    opener: Callable[[str, SplitResult, Mapping[str, Any]], Remote]


def _module(name: str, url: str) -> Any:
    """Module ``name``, or a ``RemoteError`` naming the pip extra of ``url``'s kind."""
    try:
        return importlib.import_module(name)
    except ImportError:
        package = name.split(".")[0]
        extra = kind_of(url).extra
        raise RemoteError(
            f"data remote '{url}' needs {package}; install it with: pip install 'gitml[{extra}]'"
        ) from None


def _types(*names: str) -> tuple[type[Exception], ...]:
    """The exception classes ``module:Class`` that a back-end raises (those importable)."""
    found = []
    for name in names:
        module, _, attr = name.partition(":")
        try:
            found.append(getattr(importlib.import_module(module), attr))
        except (ImportError, AttributeError):
            continue
    return tuple(found)


def _bucket_and_prefix(url: str, parts: SplitResult, what: str) -> tuple[str, str]:
    if not parts.netloc or parts.query or parts.fragment:
        raise RemoteError(f"invalid data remote '{url}': expected {what}")
    return parts.netloc, unquote(parts.path).strip("/")


def _open_s3(url: str, parts: SplitResult, options: Mapping[str, Any]) -> Remote:
    return S3Remote.from_url(url, **options)


def _open_gcs(url: str, parts: SplitResult, options: Mapping[str, Any]) -> Remote:
    bucket, prefix = _bucket_and_prefix(url, parts, "gs://bucket/prefix")
    # The plain JSON-API client: the default class first asks each bucket's layout over
    # gRPC, which S3-style object storage has no use for.
    gcsfs = _module("gcsfs.core", url)
    fs = gcsfs.GCSFileSystem(
        project=options.get("project") or "",
        endpoint_url=options.get("endpoint_url"),
        token=options.get("token"),
        skip_instance_cache=True,
        # gcsfs compares the MD5 the store reports for each upload with the bytes sent
        # (by default it checks nothing).
        consistency="md5",
    )
    return FsspecRemote(
        url,
        fs,
        f"{bucket}/{prefix}".rstrip("/"),
        errors=_types(
            "gcsfs.retry:HttpError", "google.auth.exceptions:GoogleAuthError", "aiohttp:ClientError"
        ),
        hint="credentials: GOOGLE_APPLICATION_CREDENTIALS or `gcloud auth application-default login`",
        check_path=bucket,
        mismatch=_types("gcsfs.retry:ChecksumError"),
    )


def _open_azure(url: str, parts: SplitResult, options: Mapping[str, Any]) -> Remote:
    container, prefix = _bucket_and_prefix(url, parts, "azure://container/prefix")
    adlfs = _module("adlfs", url)
    fs = adlfs.AzureBlobFileSystem(
        account_name=options.get("account_name"), skip_instance_cache=True
    )
    return FsspecRemote(
        url,
        fs,
        f"{container}/{prefix}".rstrip("/"),
        errors=_types("azure.core.exceptions:AzureError", "aiohttp:ClientError"),
        hint="credentials: AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_ACCOUNT_KEY or "
        "`az login`, and the account_name option",
        check_path=container,
    )


def _open_ssh(url: str, parts: SplitResult, options: Mapping[str, Any]) -> Remote:
    if not parts.hostname or parts.query or parts.fragment or not parts.path.strip("/"):
        raise RemoteError(f"invalid data remote '{url}': expected ssh://[user@]host[:port]/path")
    sshfs = _module("sshfs", url)
    keyfile = options.get("keyfile")
    settings: dict[str, Any] = {"timeout": _SSH_TIMEOUT, "skip_instance_cache": True}
    if parts.port:
        settings["port"] = parts.port
    if parts.username:
        settings["username"] = unquote(parts.username)
    if keyfile:
        settings["client_keys"] = [str(keyfile)]
    errors = _types("asyncssh:Error")
    connecting: tuple[type[Exception], ...] = (OSError, *errors)
    hint = "keys, known hosts and settings come from ~/.ssh, as for ssh"
    try:
        fs = sshfs.SSHFileSystem(parts.hostname, **settings)  # connects at once
    except connecting as exc:
        raise remote_error(url, exc, action="a check", hint=hint) from exc
    return FsspecRemote(
        url,
        fs,
        "/" + unquote(parts.path).strip("/"),
        errors=errors,
        hint=hint,
        rename=True,
    )


def _open_http(url: str, parts: SplitResult, options: Mapping[str, Any]) -> Remote:
    if not parts.netloc or parts.query or parts.fragment:
        raise RemoteError(f"invalid data remote '{url}': expected https://host/path")
    http = _module("fsspec.implementations.http", url)
    _module("aiohttp", url)
    root = url.rstrip("/")
    return FsspecRemote(
        url,
        http.HTTPFileSystem(skip_instance_cache=True),
        root,
        errors=_types("aiohttp:ClientError"),
        hint="a web server serving a pushed remote's folder",
        read_only=True,
    )


KINDS = (
    RemoteKind(
        schemes=("s3",),
        extra="s3",
        example="s3://bucket/prefix",
        options=S3_OPTIONS,
        opener=_open_s3,
    ),
    RemoteKind(
        schemes=("gs", "gcs"),
        extra="gcs",
        example="gs://bucket/prefix",
        options=("project", "endpoint_url", "token"),
        opener=_open_gcs,
    ),
    RemoteKind(
        schemes=("azure", "az"),
        extra="azure",
        example="azure://container/prefix",
        options=("account_name",),
        opener=_open_azure,
    ),
    RemoteKind(
        schemes=("ssh", "sftp"),
        extra="ssh",
        example="ssh://user@host/path",
        options=("keyfile",),
        opener=_open_ssh,
    ),
    RemoteKind(
        schemes=("https", "http"),
        extra="http",
        example="https://host/path (read-only)",
        options=(),
        opener=_open_http,
    ),
)
EXAMPLES = ", ".join(k.example for k in KINDS)


def scheme_of(url: str) -> str:
    """The lower-case URL scheme (empty for a plain path)."""
    return urlsplit(url).scheme.lower() if "://" in url else ""


def kind_of(url: str) -> RemoteKind:
    """The kind of a network remote's URL; ``RemoteError`` naming the supported ones."""
    scheme = scheme_of(url)
    for kind in KINDS:
        if scheme in kind.schemes:
            return kind
    raise RemoteError(
        f"unsupported data remote URL '{url}': use a directory path, file:///path, {EXAMPLES}"
    )


def _open_network(url: str, *, check: bool = True, **options: Any) -> Remote:
    """The network remote at ``url``, probed now with ``check`` (a one-line ``RemoteError``)."""
    kind = kind_of(url)
    unknown = sorted(set(options) - set(kind.options))
    if unknown:
        known = ", ".join(kind.options) or "none"
        raise RemoteError(
            f"unknown option(s) {', '.join(unknown)} for data remote '{url}'; known: {known}"
        )
    remote = kind.opener(url, urlsplit(url), options)
    if check:
        remote.check()
    return remote


def _file_url_path(url: str) -> str:
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise RemoteError(
            f"data remote '{url}' names host '{parts.netloc}'; file:// URLs must be local "
            f"(file:///absolute/path)"
        )
    if parts.query or parts.fragment:
        raise RemoteError(f"data remote '{url}' has a query or fragment; use file:///absolute/path")
    return unquote(parts.path)


def open_remote(url: str, *, check: bool = True, **options: Any) -> Remote:
    """The remote at ``url``: a directory path, ``file://...``, or a network URL.

    Network URLs (``s3://``, ``gs://``, ``azure://``, ``ssh://``, ``https://``) and their
    options are described above; credentials come from each library's usual
    environment variables and files. With ``check`` the remote is probed now, so a wrong
    path or an unreachable endpoint fails here with a one-line ``RemoteError``.
    """
    scheme = urlsplit(url).scheme.lower() if "://" in url else ""
    remote: Remote
    if scheme in ("", "file"):
        if options:
            raise RemoteError(
                f"unknown option(s) {', '.join(sorted(options))} for directory data remote '{url}'"
            )
        path = _file_url_path(url) if scheme == "file" else url
        if not path:
            raise RemoteError("empty data remote URL; use a directory path or s3://bucket/prefix")
        directory = DirectoryRemote(path)
        directory.url = url
        if check:
            directory.check()
        remote = directory
    else:
        remote = _open_network(url, check=check, **options)
    return remote
