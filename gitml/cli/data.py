"""``git ml data ...``: version data files and folders, share them through data remotes."""

from typing import Annotated

import typer

from gitml.cli import data_remote
from gitml.cli._declare import commands, followed_by
from gitml.cli._options import DataRemoteOpt, JobsOpt, JsonOpt, output_options
from gitml.cli._values import DATASETS, FILES, choices

data_app = typer.Typer(
    help="Version data files and folders next to your code (add, status, diff, checkout, "
    "push, pull, gc, remote).",
    no_args_is_help=True,
)


@followed_by(output_options)
def add(
    paths: Annotated[
        list[str], typer.Argument(metavar="PATH", help="Data files or folders to version."), FILES
    ],
    name: Annotated[
        str | None,
        typer.Option(
            "--name", "-n", metavar="NAME", help="Dataset name (default: the last part of PATH)."
        ),
    ] = None,
    no_profile: Annotated[
        bool,
        typer.Option("--no-profile", help="Do not profile CSV/Parquet/JSON-lines files."),
    ] = False,
    link: Annotated[
        str,
        typer.Option(
            "--link",
            metavar="MODE",
            help="How content enters the cache: auto (reflink, else a read-only hard link, "
            "else a copy; no hard links for root), hardlink (hard links for root too), "
            "reflink (reflink, else copy) or copy.",
        ),
        choices("auto", "hardlink", "reflink", "copy"),
    ] = "auto",
    jobs: JobsOpt = None,
) -> None:
    """Hash PATHs into the cache, record a manifest and write a pointer file per dataset."""


def status(
    names: Annotated[
        list[str] | None,
        typer.Argument(metavar="DATASET", help="Datasets (names or paths) to check; default: all."),
        DATASETS,
    ] = None,
    jobs: JobsOpt = None,
    json: JsonOpt = False,
) -> None:
    """Show files added, modified or deleted in each dataset since its pointer's version."""


def diff(
    revs: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[OLD [NEW]]",
            help="Commits to compare (default: HEAD against the work tree).",
        ),
    ] = None,
    json: JsonOpt = False,
) -> None:
    """List data files added, deleted and modified between two commits (with sizes)."""


@followed_by(output_options)
def checkout(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="DATASET", help="Datasets (names or paths) or paths inside them; default: all."
        ),
        DATASETS,
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
    remote: DataRemoteOpt = None,
    jobs: JobsOpt = None,
) -> None:
    """Restore the data the current commit's pointers name, from the cache or the data remote."""


@followed_by(output_options)
def push(
    remote: DataRemoteOpt = None,
    jobs: JobsOpt = None,
    verify: Annotated[
        bool,
        typer.Option(
            "--verify",
            help="Re-hash what the remote holds for these objects and replace corrupt ones.",
        ),
    ] = False,
) -> None:
    """Upload the current data and everything records reference to a data remote."""


@followed_by(output_options)
def pull(
    names: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="DATASET",
            help="Datasets (names or paths) to pull; default: all in the pointers.",
        ),
        DATASETS,
    ] = None,
    remote: DataRemoteOpt = None,
    all_: Annotated[
        bool,
        typer.Option("--all", "-a", help="Also pull every version that records reference."),
    ] = False,
    jobs: JobsOpt = None,
) -> None:
    """Download the data the pointers name, then restore files missing from the work tree."""


def ls(json: JsonOpt = False) -> None:
    """List the datasets of this commit (from the pointer files)."""


def show(
    name: Annotated[
        str, typer.Argument(metavar="DATASET", help="The dataset's name or path."), DATASETS
    ],
    files: Annotated[bool, typer.Option("--files", help="Also list every file.")] = False,
    json: JsonOpt = False,
) -> None:
    """Show a dataset's manifest and the profiles of its tabular files."""


@followed_by(output_options)
def gc(
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Delete the objects (default: only report).")
    ] = False,
    keep_days: Annotated[
        float,
        typer.Option(
            "--keep-days",
            metavar="DAYS",
            help="Keep the data of commits and records from this many days.",
        ),
    ] = 30.0,
    all_commits: Annotated[
        bool, typer.Option("--all-commits", help="Keep the data of every commit, however old.")
    ] = False,
) -> None:
    """Remove cached data that no branch, tag, recent commit or run refers to."""


def register(app: typer.Typer) -> None:
    commands(data_app, "data_", add, status, diff, checkout, push, pull, ls, show, gc)
    data_remote.register(data_app)
    app.add_typer(data_app, name="data")
