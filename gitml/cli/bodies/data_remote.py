"""The bodies of ``git ml data remote add|ls|rm``."""

from __future__ import annotations

from gitml.cli._output import Output
from gitml.data.workspace import open_workspace
from gitml.objects.remotes.config import add_remote, list_remotes, parse_option, remove_remote


def remote_add(
    *,
    name: str,
    url: str,
    default: bool = False,
    endpoint_url: str | None = None,
    region: str | None = None,
    profile: str | None = None,
    option: list[str] | None = None,
    json: bool = False,
    quiet: bool = False,
) -> None:
    """Add a data remote to .gitml/config.toml."""
    options = {"endpoint_url": endpoint_url, "region": region, "profile": profile}
    options.update(parse_option(text) for text in option or ())
    table = add_remote(open_workspace().workdir, name, url, default=default, options=options)
    out = Output(json, quiet=quiet)
    if json:
        out.json({"name": name, **table})
        return
    out.summary(f"added data remote {name}: {table['url']}")
    out.info("next: commit .gitml/config.toml so that every clone uses it")


def remote_ls(*, json: bool = False) -> None:
    """List data remotes (the default one is marked)."""
    ws = open_workspace()
    rows = list_remotes(ws.settings, workdir=ws.workdir)
    out = Output(json)
    if out.listed(
        rows, none="no data remotes; add one with `git ml data remote add NAME URL --default`"
    ):
        return
    for row in rows:
        row["default"] = "*" if row["default"] else ""
    out.table(rows, ["default", "name", "url"], headers={"default": ""}, never_truncate=["url"])


def remote_rm(*, name: str, json: bool = False, quiet: bool = False) -> None:
    """Remove a data remote from .gitml/config.toml (its data is left alone)."""
    remove_remote(open_workspace().workdir, name)
    out = Output(json, quiet=quiet)
    out.emit({"removed": name}, f"removed data remote {name}")
