"""``git ml promote``/``demote``/``archive`` and ``git ml registry apply``/``verify``."""

import os
from typing import Annotated, Any

import typer

from gitml.cli._options import JsonOpt
from gitml.cli._output import Output

ModelArg = Annotated[str, typer.Argument(help="The model name.", show_default=False)]
VersionArg = Annotated[str, typer.Argument(help="The version (e.g. 1.4.0 or 3).")]
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


def _change(
    action: str,
    name: str,
    version: str,
    stage: str | None,
    branch: bool,
    branch_name: str | None,
    direct: bool,
    json: bool,
) -> None:
    from gitml.config import load_settings
    from gitml.errors import UsageError
    from gitml.registry.checks import Action
    from gitml.registry.promote import Mode, StageRequest, change_stage
    from gitml.storage.repo import open_repo

    if direct and (branch or branch_name):
        raise UsageError("--direct and --branch exclude each other; pick one")
    mode = Mode.DIRECT if direct else Mode.BRANCH if (branch or branch_name) else Mode.WORKTREE
    repo = open_repo()
    settings = load_settings(repo.workdir)
    actions: dict[str, Action] = {"promote": "promote", "demote": "demote", "archive": "archive"}
    request = StageRequest(actions[action], name, version, stage)
    result = change_stage(
        repo, settings, request, mode=mode, branch_name=branch_name, env=dict(os.environ)
    )
    out = Output(json)
    if json:
        out.json(result.as_dict())
        return
    p = result.proposal
    for finding in result.findings:
        out.warn(finding.line())
    what = {
        "promote": f"promote {p.model} {p.version} -> {p.stage}",
        "demote": f"demote {p.model} {p.version} from {p.stage}",
        "archive": f"archive {p.model} {p.version} ({p.stage})",
    }[p.action]
    if not result.changed:
        out.info(
            f"nothing to change: in .gitml/stages.toml {p.model} {p.version} already holds {p.stage}"
        )
        return
    if result.body is not None:
        out.line(result.body)
        out.info(f"created branch {result.branch} (commit {result.commit}) with: {what}")
        out.info(
            f"next: `git push -u origin {result.branch}` and open a pull request with the body "
            "above; after the merge CI runs `git ml registry apply`"
        )
        return
    if result.applied is not None:
        out.info(f"committed on {result.branch}: {result.commit}")
        _print_applied(out, result.applied, settings.terminal_stages)
        return
    out.line(f"edited .gitml/stages.toml: {what}")
    out.info(
        "next: commit it on a branch and open a pull request (or use --branch to do both); "
        "after the merge CI runs `git ml registry apply`"
    )


def promote(
    name: ModelArg,
    version: VersionArg,
    stage: Annotated[str, typer.Argument(help="The stage (e.g. staging, production).")],
    branch: BranchOpt = False,
    branch_name: BranchNameOpt = None,
    direct: DirectOpt = False,
    json: JsonOpt = False,
) -> None:
    """Assign VERSION of model NAME to STAGE in .gitml/stages.toml (checked first)."""
    _change("promote", name, version, stage, branch, branch_name, direct, json)


def demote(
    name: ModelArg,
    version: VersionArg,
    stage: Annotated[str, typer.Argument(help="The stage VERSION leaves.")],
    branch: BranchOpt = False,
    branch_name: BranchNameOpt = None,
    direct: DirectOpt = False,
    json: JsonOpt = False,
) -> None:
    """Remove VERSION of model NAME from STAGE in .gitml/stages.toml."""
    _change("demote", name, version, stage, branch, branch_name, direct, json)


def archive(
    name: ModelArg,
    version: VersionArg,
    branch: BranchOpt = False,
    branch_name: BranchNameOpt = None,
    direct: DirectOpt = False,
    json: JsonOpt = False,
) -> None:
    """Take VERSION of model NAME out of every stage and into the archived stage."""
    _change("archive", name, version, None, branch, branch_name, direct, json)


def _print_applied(out: Output, report: Any, terminal: tuple[str, ...]) -> None:
    from gitml.registry import records as rec

    for skipped in report.skipped:
        out.warn(f"skipped commit {skipped.commit[:12]}: {skipped.reason}")
    for event in report.events:
        origin = "merge" if event["source"] == "merge" else "commit"
        out.line(
            f"{rec.describe_event(event, event['stage'] in terminal)} "
            f"({origin} {event['commit'][:7]}, seq {event['seq']})"
        )
    if not report.events:
        out.info(
            f"nothing to apply: refs/gitml/registry already reflects .gitml/stages.toml at "
            f"{report.tip[:12]} ({report.branch})"
        )


@registry_app.command("apply")
def apply_cmd(
    push: Annotated[
        str | None,
        typer.Option(
            "--push",
            help="Pull gitml records from this git remote first and push them afterwards.",
        ),
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Record every change of .gitml/stages.toml on the default branch as stage events."""
    from gitml.config import load_settings
    from gitml.registry.apply import apply
    from gitml.storage.repo import open_repo

    repo = open_repo()
    settings = load_settings(repo.workdir)
    out = Output(json)
    pushed: list[str] = []
    if push is not None:
        from gitml.registry.apply import default_branch_tip
        from gitml.sync import pull

        default_branch_tip(repo, settings, dict(os.environ))
        pull(repo, push)
    report = apply(repo, settings, dict(os.environ))
    if push is not None:
        from gitml.sync import push_records, short_name

        pushed = [short_name(r) for r in push_records(repo, push).pushed]
    if json:
        out.json({**report.as_dict(settings.terminal_stages), "pushed": pushed})
        return
    _print_applied(out, report, settings.terminal_stages)
    if pushed:
        out.info(f"pushed to {push}: {', '.join(pushed)}")


@registry_app.command("verify")
def verify_cmd(
    rev: Annotated[
        str | None,
        typer.Option("--rev", help="Verify against this commit instead of the default branch."),
    ] = None,
    json: JsonOpt = False,
) -> None:
    """Check that the applied log matches the default branch's .gitml/stages.toml history."""
    from gitml.config import load_settings
    from gitml.registry.verify import verify
    from gitml.storage.repo import open_repo

    repo = open_repo()
    report = verify(repo, load_settings(repo.workdir), dict(os.environ), rev)
    out = Output(json)
    if json:
        out.json(report.as_dict())
    else:
        for skipped in report.skipped:
            out.warn(f"skipped commit {skipped.commit[:12]}: {skipped.reason}")
        for problem in report.problems:
            out.line(f"problem: {problem}")
        summary = (
            f"{report.events} event(s) on refs/gitml/registry, {report.expected} derived from "
            f".gitml/stages.toml on {report.branch} ({report.commit[:12]})"
        )
        if report.ok:
            out.info(f"ok: {summary}")
        else:
            out.info(f"{len(report.problems)} problem(s): {summary}")
    if not report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("promote")(promote)
    app.command("demote")(demote)
    app.command("archive")(archive)
    app.add_typer(registry_app)
