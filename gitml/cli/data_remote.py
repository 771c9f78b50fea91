"""``git ml data remote add|ls|rm``: where cached data is shared."""

from typing import Annotated

import typer

from gitml.cli._options import JsonOpt
from gitml.cli._output import Output

remote_app = typer.Typer(
    help="Manage data remotes: where cached data is shared (a folder or s3://bucket/prefix).",
    no_args_is_help=True,
)


def remote_add(
    name: Annotated[str, typer.Argument(help="A name for the remote, e.g. store.")],
    url: Annotated[
        str,
        typer.Argument(
            help="A folder (relative paths are kept relative to the repository), file:///path or s3://bucket/prefix."
        ),
    ],
    default: Annotated[
        bool, typer.Option("--default", "-d", help="Make it the default data remote.")
    ] = False,
    endpoint_url: Annotated[
        str | None,
        typer.Option("--endpoint-url", help="S3: the endpoint of an S3-compatible server."),
    ] = None,
    region: Annotated[str | None, typer.Option("--region", help="S3: the bucket's region.")] = None,
    profile: Annotated[
        str | None, typer.Option("--profile", help="S3: the AWS profile to take credentials from.")
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Add a data remote to .gitml/config.toml."""
    from gitml.data.remote_config import add_remote
    from gitml.data.workspace import open_workspace

    table = add_remote(
        open_workspace(),
        name,
        url,
        default=default,
        options={"endpoint_url": endpoint_url, "region": region, "profile": profile},
    )
    out = Output(json)
    if json:
        out.json({"name": name, **table})
        return
    out.line(f"added data remote {name}: {table['url']}")
    out.info("next: commit .gitml/config.toml so that every clone uses it")


def remote_ls(json: JsonOpt = False) -> None:
    """List data remotes (the default one is marked)."""
    from gitml.data.remote_config import list_remotes
    from gitml.data.workspace import open_workspace

    rows = list_remotes(open_workspace())
    out = Output(json)
    if json:
        out.json(rows)
        return
    if not rows:
        out.line("no data remotes; add one with `git ml data remote add NAME URL --default`")
        return
    for row in rows:
        row["default"] = "*" if row["default"] else ""
    out.table(rows, ["default", "name", "url"], headers={"default": ""}, never_truncate=["url"])


def remote_rm(
    name: Annotated[str, typer.Argument(help="The data remote to remove.")],
    json: JsonOpt = False,
) -> None:
    """Remove a data remote from .gitml/config.toml (its data is left alone)."""
    from gitml.data.remote_config import remove_remote
    from gitml.data.workspace import open_workspace

    remove_remote(open_workspace(), name)
    out = Output(json)
    out.emit({"removed": name}, f"removed data remote {name}")


def register(data_app: typer.Typer) -> None:
    remote_app.command("add")(remote_add)
    remote_app.command("ls")(remote_ls)
    remote_app.command("rm")(remote_rm)
    data_app.add_typer(remote_app, name="remote")
