"""The bodies of ``git ml promote|demote|archive``."""

from __future__ import annotations

import os
from typing import NamedTuple

from gitml.cli._body import options_body
from gitml.cli._output import Output
from gitml.cli._repo import repo_and_settings
from gitml.errors import UsageError
from gitml.governance.findings import Action
from gitml.registry.promote import Mode, StageRequest, change_stage


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
        from gitml.cli.bodies.registry_applied import print_applied  # --direct only

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
