"""``git ml data remote add|ls|rm``: where cached data is shared."""

from typing import Annotated

import typer

from gitml.cli._declare import command, followed_by
from gitml.cli._options import JsonOpt, output_options
from gitml.cli._values import DATA_REMOTES

remote_app = typer.Typer(
    help="Manage data remotes: where cached data is shared (a folder, s3://, gs://, azure://, "
    "ssh:// or https:// for reading).",
    no_args_is_help=True,
)


@followed_by(output_options)
def remote_add(
    name: Annotated[str, typer.Argument(metavar="NAME", help="A name for the remote, e.g. store.")],
    url: Annotated[
        str,
        typer.Argument(
            metavar="URL",
            help="A folder (relative paths are kept relative to the repository), file:///path, "
            "s3://bucket/prefix, gs://bucket/prefix, azure://container/prefix, "
            "ssh://[user@]host[:port]/path or https://host/path (read-only).",
        ),
    ],
    default: Annotated[
        bool, typer.Option("--default", help="Make it the default data remote.")
    ] = False,
    endpoint_url: Annotated[
        str | None,
        typer.Option(
            "--endpoint-url", metavar="URL", help="S3: the endpoint of an S3-compatible server."
        ),
    ] = None,
    region: Annotated[
        str | None, typer.Option("--region", metavar="REGION", help="S3: the bucket's region.")
    ] = None,
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile", metavar="PROFILE", help="S3: the AWS profile to take credentials from."
        ),
    ] = None,
    option: Annotated[
        list[str] | None,
        typer.Option(
            "--option",
            metavar="KEY=VALUE",
            help="A setting stored with the remote (repeatable): jobs (any remote); gs: "
            "project, endpoint_url, token; azure: account_name; ssh: keyfile; s3: "
            "connect_timeout, read_timeout, max_attempts. Credentials are never stored: they "
            "come from each library's usual variables and files.",
        ),
    ] = None,
) -> None:
    """Add a data remote to .gitml/config.toml."""


def remote_ls(json: JsonOpt = False) -> None:
    """List data remotes (the default one is marked)."""


@followed_by(output_options)
def remote_rm(
    name: Annotated[
        str, typer.Argument(metavar="NAME", help="The data remote to remove."), DATA_REMOTES
    ],
) -> None:
    """Remove a data remote from .gitml/config.toml (its data is left alone)."""


def register(data_app: typer.Typer) -> None:
    command(remote_app, "add", remote_add, "data_remote:remote_add")
    command(remote_app, "ls", remote_ls, "data_remote:remote_ls")
    command(remote_app, "rm", remote_rm, "data_remote:remote_rm")
    data_app.add_typer(remote_app, name="remote")
