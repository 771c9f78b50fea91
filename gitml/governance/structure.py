"""The rules every stage change passes, whatever the policy says: a known stage, a version
written from its run, not archived, clean code and an artifact (the last three warn)."""

from __future__ import annotations

from collections.abc import Callable

from gitml.governance.findings import Finding, Proposal
from gitml.registry.consistency import load_run, missing_run, version_problems
from gitml.registry.stagefile import versions_of
from gitml.storage.repo import GitRepo

Rule = Callable[[GitRepo, Proposal], list[Finding]]


def check_known_stage(_repo: GitRepo, p: Proposal) -> list[Finding]:
    if p.stage in p.settings.stages:
        return []
    return [
        Finding(
            "known-stage",
            f"unknown stage {p.stage!r} (stages: {', '.join(p.settings.stages)})",
            field=p.field,
        )
    ]


def check_not_archived(_repo: GitRepo, p: Proposal) -> list[Finding]:
    if p.action != "promote":
        return []
    archived = [
        s
        for s in p.settings.terminal_stages
        if p.version in versions_of(p.before.get(p.model, {}).get(s))
    ]
    if not archived:
        return []
    return [
        Finding(
            "not-archived",
            f"{p.model} {p.version} is in {archived[0]!r}; it stays listed there too "
            f"(restore it first with `git ml demote {p.model} {p.version} {archived[0]}`)",
            field=p.field,
            severity="warning",
        )
    ]


def check_clean_code(_repo: GitRepo, p: Proposal) -> list[Finding]:
    if p.action != "promote" or not p.candidate["code"]["dirty"]:
        return []
    return [
        Finding(
            "clean-code",
            f"{p.model} {p.version} comes from run {p.candidate['run']['id']} whose code had "
            "uncommitted changes (recorded in its checkpoint commit)",
            field=p.field,
            severity="warning",
        )
    ]


def check_has_artifact(_repo: GitRepo, p: Proposal) -> list[Finding]:
    if p.action != "promote" or p.candidate.get("artifact"):
        return []
    return [
        Finding(
            "artifact",
            f"{p.model} {p.version} has no artifact; `git ml model get` will have nothing to deploy",
            field=p.field,
            severity="warning",
        )
    ]


def check_matches_run(repo: GitRepo, p: Proposal) -> list[Finding]:
    """The candidate's copied facts are its run's (a forged version cannot be promoted)."""
    if p.action != "promote":
        return []
    run = load_run(repo, p.candidate["run"]["id"])
    found = version_problems(p.candidate, run) if run is not None else [missing_run(p.candidate)]
    return [
        Finding(
            "matches-run",
            f"{problem}; this version record was not written from that run by "
            "`git ml model register` (edited or forged), so it cannot be promoted",
            field=p.field,
        )
        for problem in found
    ]


STRUCTURE_RULES: tuple[Rule, ...] = (
    check_known_stage,
    check_matches_run,
    check_not_archived,
    check_clean_code,
    check_has_artifact,
)
