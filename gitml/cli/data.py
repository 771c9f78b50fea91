"""``git ml data ...``: version data files and folders, share them through data remotes."""

from typing import Annotated

import typer

from gitml.cli import _data_cmds as _cmds
from gitml.cli import data_remote
from gitml.cli._declare import command
from gitml.cli._options import JsonOpt

data_app = typer.Typer(
    help="Version data files and folders next to your code (add, status, diff, checkout, "
    "push, pull, gc, remote).",
    no_args_is_help=True,
)
RemoteOpt = Annotated[
    str | None,
    typer.Option("--remote", "-r", help="The data remote to use (default: the default remote)."),
]
JobsOpt = Annotated[
    int | None,
    typer.Option(
        "--jobs", "-j", help="Parallel workers (default: CPUs for hashing, 8 for transfers)."
    ),
]


def add(
    paths: Annotated[list[str], typer.Argument(help="Data files or folders to version.")],
    name: Annotated[
        str | None,
        typer.Option("--name", "-n", help="Dataset name (default: the last part of PATH)."),
    ] = None,
    no_profile: Annotated[
        bool,
        typer.Option("--no-profile", help="Do not profile CSV/Parquet/JSON-lines files."),
    ] = False,
    link: Annotated[
        str,
        typer.Option(
            "--link",
            help="How content enters the cache: auto (reflink, else a read-only hard link, "
            "else a copy; no hard links for root), hardlink (hard links for root too), "
            "reflink (reflink, else copy) or copy.",
        ),
    ] = "auto",
    jobs: JobsOpt = None,
    json: JsonOpt = False,
) -> None:
    """Hash PATHs into the cache, record a manifest and write a pointer file per dataset."""


def status(
    names: Annotated[
        list[str] | None, typer.Argument(help="Datasets (names or paths) to check; default: all.")
    ] = None,
    jobs: JobsOpt = None,
    json: JsonOpt = False,
) -> None:
    """Show files added, modified or deleted in each dataset since its pointer's version."""


def diff(
    revs: Annotated[
        list[str] | None,
        typer.Argument(
            help="[OLD [NEW]]: commits to compare (default: HEAD against the work tree)."
        ),
    ] = None,
    json: JsonOpt = False,
) -> None:
    """List data files added, deleted and modified between two commits (with sizes)."""


def checkout(
    paths: Annotated[
        list[str] | None,
        typer.Argument(help="Datasets (names or paths) or paths inside them; default: all."),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            "-f",
            help="Overwrite data changes that were never added (their content is kept in "
            "the cache).",
        ),
    ] = False,
    remote: RemoteOpt = None,
    jobs: JobsOpt = None,
    json: JsonOpt = False,
) -> None:
    """Restore the data the current commit's pointers name, from the cache or the data remote."""


def push(
    remote: RemoteOpt = None,
    jobs: JobsOpt = None,
    verify: Annotated[
        bool,
        typer.Option(
            "--verify",
            help="Re-hash what the remote holds for these objects and replace corrupt ones.",
        ),
    ] = False,
    json: JsonOpt = False,
) -> None:
    """Upload the current data and everything records reference to a data remote."""


def pull(
    names: Annotated[
        list[str] | None,
        typer.Argument(help="Datasets (names or paths) to pull; default: all in the pointers."),
    ] = None,
    remote: RemoteOpt = None,
    all_: Annotated[
        bool,
        typer.Option("--all", "-a", help="Also pull every version that records reference."),
    ] = False,
    jobs: JobsOpt = None,
    json: JsonOpt = False,
) -> None:
    """Download the data the pointers name, then restore files missing from the work tree."""


def ls(json: JsonOpt = False) -> None:
    """List the datasets of this commit (from the pointer files)."""


def show(
    name: Annotated[str, typer.Argument(help="The dataset's name or path.")],
    files: Annotated[bool, typer.Option("--files", help="Also list every file.")] = False,
    json: JsonOpt = False,
) -> None:
    """Show a dataset's manifest and the profiles of its tabular files."""


def gc(
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Delete the objects (default: only report).")
    ] = False,
    keep_days: Annotated[
        float,
        typer.Option(
            "--keep-days", help="Keep the data of commits and records from this many days."
        ),
    ] = 30.0,
    all_commits: Annotated[
        bool, typer.Option("--all-commits", help="Keep the data of every commit, however old.")
    ] = False,
    json: JsonOpt = False,
) -> None:
    """Remove cached data that no branch, tag, recent commit or run refers to."""


def register(app: typer.Typer) -> None:
    command(data_app, "add", add, _cmds.add)
    command(data_app, "status", status, _cmds.status)
    command(data_app, "diff", diff, _cmds.diff)
    command(data_app, "checkout", checkout, _cmds.checkout)
    command(data_app, "push", push, _cmds.push)
    command(data_app, "pull", pull, _cmds.pull)
    command(data_app, "ls", ls, _cmds.ls)
    command(data_app, "show", show, _cmds.show)
    command(data_app, "gc", gc, _cmds.gc)
    data_remote.register(data_app)
    app.add_typer(data_app, name="data")
