"""``git ml promote``/``demote``/``archive`` and ``git ml registry apply``/``verify``."""

from typing import Annotated

import typer

from gitml.cli._declare import command, commands, followed_by, narrowed
from gitml.cli._options import ModelNameArg, output_options
from gitml.cli._values import GIT_REMOTES, STAGES, VERSIONS

VersionArg = Annotated[
    str, typer.Argument(metavar="VERSION", help="The version (e.g. 1.4.0 or 3)."), VERSIONS
]
BranchOpt = Annotated[
    bool,
    typer.Option(
        "--branch",
        "-b",
        help="Commit the change on a new branch (work tree untouched) and print a "
        "pull-request body.",
    ),
]
BranchNameOpt = Annotated[
    str | None,
    typer.Option(
        "--branch-name",
        metavar="BRANCH",
        help="Name of that branch (implies --branch; default promote/NAME-VERSION-STAGE).",
    ),
]
DirectOpt = Annotated[
    bool,
    typer.Option(
        "--direct",
        help="Commit on the default branch and apply at once (only where .gitml/policy.toml "
        "sets allow_direct).",
    ),
]

registry_app = typer.Typer(
    name="registry",
    help="The applied stage-event log on refs/gitml/registry (CI side).",
    no_args_is_help=True,
)


@followed_by(output_options)
def promote(
    name: ModelNameArg,
    version: VersionArg,
    stage: Annotated[
        str,
        typer.Argument(metavar="STAGE", help="The stage (e.g. staging, production)."),
        STAGES,
    ],
    branch: BranchOpt = False,
    branch_name: BranchNameOpt = None,
    direct: DirectOpt = False,
) -> None:
    """Assign VERSION of model NAME to STAGE in .gitml/stages.toml (checked first)."""


demote = narrowed(
    promote,
    name="demote",
    doc="Remove VERSION of model NAME from STAGE in .gitml/stages.toml.",
    retyped={
        "stage": Annotated[
            str, typer.Argument(metavar="STAGE", help="The stage VERSION leaves."), STAGES
        ]
    },
)
archive = narrowed(
    promote,
    name="archive",
    without=("stage",),
    doc="Take VERSION of model NAME out of every stage and into the archived stage.",
)


@followed_by(output_options)
def apply_cmd(
    push: Annotated[
        str | None,
        typer.Option(
            "--push",
            metavar="REMOTE",
            help="Pull gitml records from this git remote first and push them afterwards.",
        ),
        GIT_REMOTES,
    ] = None,
) -> None:
    """Record every change of .gitml/stages.toml on the default branch as stage events."""


@followed_by(output_options)
def verify_cmd(
    rev: Annotated[
        str | None,
        typer.Option(
            "--rev", metavar="REV", help="Verify against this commit instead of the default branch."
        ),
    ] = None,
) -> None:
    """Check that the applied log matches the default branch's .gitml/stages.toml history."""


def register(app: typer.Typer) -> None:
    command(app, "promote", promote, "stages:promote")
    command(app, "demote", demote, "stages:demote")
    command(app, "archive", archive, "stages:archive")
    commands(registry_app, "registry_", apply_cmd, verify_cmd)
    app.add_typer(registry_app)
