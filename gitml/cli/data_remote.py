"""``git ml data remote add|ls|rm``: where cached data is shared."""

from typing import Annotated

import typer

from gitml.cli import _data_remote_cmds as _cmds
from gitml.cli._declare import command
from gitml.cli._options import JsonOpt

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


def remote_ls(json: JsonOpt = False) -> None:
    """List data remotes (the default one is marked)."""


def remote_rm(
    name: Annotated[str, typer.Argument(help="The data remote to remove.")],
    json: JsonOpt = False,
) -> None:
    """Remove a data remote from .gitml/config.toml (its data is left alone)."""


def register(data_app: typer.Typer) -> None:
    command(remote_app, "add", remote_add, _cmds.remote_add)
    command(remote_app, "ls", remote_ls, _cmds.remote_ls)
    command(remote_app, "rm", remote_rm, _cmds.remote_rm)
    data_app.add_typer(remote_app, name="remote")
