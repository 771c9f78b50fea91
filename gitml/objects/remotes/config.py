"""``git ml data remote add/ls/rm``: data remotes in ``.gitml/config.toml``.

A directory URL given relative to the current folder is stored relative to the
repository root (so every clone resolves it the same way); a network remote's options
(``gitml.objects.remotes``) are stored beside the URL, credentials never are (they come from each
library's usual settings).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from gitml.config import (
    CONFIG_FILE,
    RemoteConfig,
    Settings,
    default_config_doc,
    load_config_doc,
    save_config_doc,
)
from gitml.errors import ConfigError, UsageError
from gitml.objects.remotes import kind_of, open_remote, scheme_of
from gitml.objects.remotes.base import Remote

_SCALARS = {"true": True, "false": False}
COMMON_OPTIONS = ("jobs",)  # every kind of remote: parallel transfers
_S3_FLAGS = ("endpoint_url", "region", "profile")  # options with a flag of their own


def parse_option(text: str) -> tuple[str, Any]:
    """``KEY=VALUE`` as stored in the config: numbers and true/false typed, the rest text."""
    key, eq, value = text.partition("=")
    key = key.strip().replace("-", "_")
    if not eq or not key:
        raise UsageError(f"--option {text!r}: write KEY=VALUE, e.g. account_name=mystore")
    if value in _SCALARS:
        return key, _SCALARS[value]
    for kind in (int, float):
        try:
            return key, kind(value)
        except ValueError:
            continue
    return key, value


def _flag(key: str) -> str:
    """How the option ``key`` is written on the command line."""
    return f"--{key.replace('_', '-')}" if key in _S3_FLAGS else f"--option {key}"


def _is_directory_url(url: str) -> bool:
    return "://" not in url


def resolve_url(workdir: Path, url: str) -> str:
    """A directory URL relative to the repository root made absolute; others unchanged."""
    if not _is_directory_url(url) or Path(url).is_absolute():
        return url
    return os.path.normpath(workdir / url)


def connection(workdir: Path, config: RemoteConfig) -> tuple[str, dict[str, Any]]:
    """The URL (a directory resolved against ``workdir``) and options that open ``config``."""
    options = {k: v for k, v in config.options.items() if k not in COMMON_OPTIONS}
    return resolve_url(workdir, config.url), options


def open_configured(workdir: Path, config: RemoteConfig) -> Remote:
    """The data remote ``config`` describes, probed; relative folders are the repository's."""
    url, options = connection(workdir, config)
    return open_remote(url, **options)


def normalise_url(workdir: Path, url: str, cwd: Path) -> str:
    """A relative directory URL re-expressed relative to the repository root."""
    if not url:
        raise UsageError("the data remote URL is empty; give a folder or s3://bucket/prefix")
    if not _is_directory_url(url) or Path(url).is_absolute():
        return url
    full = os.path.normpath(cwd / url)
    return Path(os.path.relpath(full, workdir)).as_posix()


def add_remote(
    workdir: Path,
    name: str,
    url: str,
    *,
    default: bool = False,
    options: dict[str, Any] | None = None,
    cwd: Path | None = None,
) -> dict[str, Any]:
    """Add data remote ``name``; returns its table as written."""
    given = {k: v for k, v in (options or {}).items() if v is not None}
    specific = sorted(set(given) - set(COMMON_OPTIONS))
    if scheme_of(url) in ("", "file"):
        if specific:
            flag = _flag(specific[0])
            where = "s3:// remotes only" if specific[0] in _S3_FLAGS else "network remotes"
            raise UsageError(f"{flag} applies to {where}, not '{url}'")
    else:
        kind = kind_of(url)
        unknown = sorted(set(specific) - set(kind.options))
        if unknown:
            takes = ", ".join(kind.options) or "no options"
            raise UsageError(
                f"{_flag(unknown[0])} does not apply to {scheme_of(url)}:// remotes "
                f"(like '{url}'); they take: {takes}"
            )
    doc = load_config_doc(workdir) or default_config_doc()
    data = doc.setdefault("data", {})
    remotes = data.setdefault("remotes", {})
    if name in remotes:
        raise ConfigError(
            f"{CONFIG_FILE}: data remote '{name}' already exists ({remotes[name].get('url')}); "
            f"remove it first with `git ml data remote rm {name}`"
        )
    table: dict[str, Any] = {"url": normalise_url(workdir, url, cwd or Path.cwd()), **given}
    remotes[name] = table
    if default or len(remotes) == 1:
        data["default_remote"] = name
    save_config_doc(workdir, doc)
    return table


def list_remotes(settings: Settings, *, workdir: Path) -> list[dict[str, Any]]:
    default = settings.default_remote
    if default is None and len(settings.data_remotes) == 1:
        default = settings.data_remotes[0].name
    rows = []
    for remote in settings.data_remotes:
        rows.append(
            {
                "name": remote.name,
                "url": remote.url,
                "resolved": resolve_url(workdir, remote.url),
                "default": remote.name == default,
                **remote.options,
            }
        )
    return rows


def remove_remote(workdir: Path, name: str) -> None:
    doc = load_config_doc(workdir)
    remotes = (doc or {}).get("data", {}).get("remotes", {})
    if doc is None or name not in remotes:
        known = ", ".join(sorted(remotes)) or "none"
        raise ConfigError(f"{CONFIG_FILE}: no data remote named '{name}' (configured: {known})")
    del remotes[name]
    data = doc["data"]
    if data.get("default_remote") == name:
        del data["default_remote"]
    if not remotes:
        del data["remotes"]
    if not data:
        del doc["data"]
    save_config_doc(workdir, doc)
