"""The bodies of ``git ml promote|demote|archive`` and ``registry apply|verify``."""

from __future__ import annotations

import os
from typing import Any, NamedTuple

from gitml.cli._body import options_body
from gitml.cli._output import Output
from gitml.cli._repo import repo_and_settings
from gitml.errors import UsageError


class StageChangeOptions(NamedTuple):
    """How a stage change is made and reported (the options promote, demote, archive take)."""

    branch: bool = False
    branch_name: str | None = None
    direct: bool = False
    json: bool = False
    quiet: bool = False


def change(
    action: str, *, name: str, version: str, stage: str | None, options: StageChangeOptions
) -> None:
    """Edit (or branch, or apply) one stage assignment and report what happened."""
    from gitml.governance.findings import Action
    from gitml.registry.promote import Mode, StageRequest, change_stage

    branch_name = options.branch_name
    branch = options.branch or bool(branch_name)
    if options.direct and branch:
        raise UsageError("--direct and --branch exclude each other; pick one")
    mode = Mode.DIRECT if options.direct else Mode.BRANCH if branch else Mode.WORKTREE
    repo, settings = repo_and_settings()
    actions: dict[str, Action] = {"promote": "promote", "demote": "demote", "archive": "archive"}
    request = StageRequest(action=actions[action], model=name, version=version, stage=stage)
    result = change_stage(
        repo, settings, request, mode=mode, branch_name=branch_name, env=dict(os.environ)
    )
    out = Output(options.json, quiet=options.quiet)
    if options.json:
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
        print_applied(out, result.applied, settings.terminal_stages)
        return
    out.summary(f"edited .gitml/stages.toml: {what}")
    out.info(
        "next: commit it on a branch and open a pull request (or use --branch to do both); "
        "after the merge CI runs `git ml registry apply`"
    )


@options_body(StageChangeOptions)
def promote(*, name: str, version: str, stage: str, options: StageChangeOptions) -> None:
    """Assign VERSION of model NAME to STAGE (checked first)."""
    change("promote", name=name, version=version, stage=stage, options=options)


@options_body(StageChangeOptions)
def demote(*, name: str, version: str, stage: str, options: StageChangeOptions) -> None:
    """Remove VERSION of model NAME from STAGE."""
    change("demote", name=name, version=version, stage=stage, options=options)


@options_body(StageChangeOptions)
def archive(*, name: str, version: str, options: StageChangeOptions) -> None:
    """Take VERSION of model NAME out of every stage (into the archived one)."""
    change("archive", name=name, version=version, stage=None, options=options)


def print_applied(out: Output, report: Any, terminal: tuple[str, ...]) -> None:
    from gitml.registry import records as rec

    for skipped in report.skipped:
        out.warn(f"skipped commit {skipped.commit[:12]}: {skipped.reason}")
    for event in report.events:
        origin = "merge" if event["source"] == "merge" else "commit"
        out.summary(
            f"{rec.describe_event(event, event['stage'] in terminal)} "
            f"({origin} {event['commit'][:7]}, seq {event['seq']})"
        )
    if not report.events:
        out.info(
            f"nothing to apply: refs/gitml/registry already reflects .gitml/stages.toml at "
            f"{report.tip[:12]} ({report.branch})"
        )


def apply(*, push: str | None = None, json: bool = False, quiet: bool = False) -> None:
    """Record every change of .gitml/stages.toml on the default branch as stage events."""
    from gitml.registry.apply import apply

    repo, settings = repo_and_settings()
    out = Output(json, quiet=quiet)
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
    print_applied(out, report, settings.terminal_stages)
    if pushed:
        out.info(f"pushed to {push}: {', '.join(pushed)}")


def verify(*, rev: str | None = None, json: bool = False, quiet: bool = False) -> int:
    """Check that the applied log matches the default branch's .gitml/stages.toml history."""
    from gitml.registry.verify import verify

    repo, settings = repo_and_settings()
    report = verify(repo, settings, dict(os.environ), rev)
    out = Output(json, quiet=quiet)
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
    return 0 if report.ok else 1
