"""Checks a stage change must pass: ``check_promotion(repo, proposal) -> list[Finding]``.

This is the one place where promotion rules live. ``git ml promote``/``demote``/``archive``
call it before editing ``.gitml/stages.toml``, and the pull-request body lists its
findings. Today it runs the structural rules below; the governance layer adds the policy
rules of ``.gitml/policy.toml`` (required previous stage, metric thresholds, no regression,
clean code, data pushed, monitoring, signatures) by appending to ``RULES``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from gitml.config import STAGES_FILE, Settings
from gitml.registry.stagefile import Assignments, versions_of
from gitml.storage.repo import GitRepo

Action = Literal["promote", "demote", "archive"]


@dataclass(frozen=True)
class Finding:
    """One result of a rule: where (file, field), which rule, and what to do."""

    rule: str
    message: str
    file: str = STAGES_FILE
    field: str = ""
    severity: Literal["error", "warning"] = "error"

    def line(self) -> str:
        where = f"{self.file}: {self.field}: " if self.field else f"{self.file}: "
        return f"{where}{self.message} [{self.rule}]"

    def as_dict(self) -> dict[str, str]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "file": self.file,
            "field": self.field,
            "message": self.message,
        }


@dataclass(frozen=True)
class Proposal:
    """A stage change as it would land: the file before and after, and the records."""

    action: Action
    model: str
    version: str
    stage: str
    before: Assignments
    after: Assignments
    candidate: Mapping[str, Any]
    current: Mapping[str, Any] | None
    settings: Settings

    @property
    def field(self) -> str:
        return f"models.{self.model}.{self.stage}"


Rule = Callable[[GitRepo, Proposal], list[Finding]]


def rule_known_stage(_repo: GitRepo, p: Proposal) -> list[Finding]:
    if p.stage in p.settings.stages:
        return []
    return [
        Finding(
            "known-stage",
            f"unknown stage {p.stage!r} (stages: {', '.join(p.settings.stages)})",
            field=p.field,
        )
    ]


def rule_not_archived(_repo: GitRepo, p: Proposal) -> list[Finding]:
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


def rule_clean_code(_repo: GitRepo, p: Proposal) -> list[Finding]:
    if p.action != "promote" or not p.candidate.get("code", {}).get("dirty"):
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


def rule_has_artifact(_repo: GitRepo, p: Proposal) -> list[Finding]:
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


def rule_matches_run(repo: GitRepo, p: Proposal) -> list[Finding]:
    """The candidate's copied facts are its run's (a forged version cannot be promoted)."""
    if p.action != "promote":
        return []
    from gitml.registry.consistency import load_run, missing_run, version_problems

    run = load_run(repo, str(p.candidate.get("run", {}).get("id", "")))
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


def rule_policy(repo: GitRepo, p: Proposal) -> list[Finding]:
    """The rules of ``.gitml/policy.toml`` in the work tree (``gitml.governance.rules``)."""
    if p.action != "promote":
        return []
    from gitml.governance.policy import policy_at
    from gitml.governance.promotions import held_stages
    from gitml.governance.rules import Context, policy_findings

    policy = policy_at(repo, None)
    if not policy:
        return []
    return policy_findings(
        repo, p, policy, Context(None, {}, held_stages(repo, p.settings, {}, p.model, p.version))
    )


RULES: list[Rule] = [
    rule_known_stage,
    rule_matches_run,
    rule_not_archived,
    rule_clean_code,
    rule_has_artifact,
    rule_policy,
]


def check_promotion(repo: GitRepo, proposal: Proposal) -> list[Finding]:
    """Every finding for ``proposal``, errors first."""
    findings: list[Finding] = []
    for rule in RULES:
        findings.extend(rule(repo, proposal))
    findings.sort(key=lambda f: f.severity != "error")
    return findings


def check_structure(repo: GitRepo, proposal: Proposal) -> list[Finding]:
    """The findings of every rule but the policy (its caller judges the policy itself)."""
    return [f for rule in RULES if rule is not rule_policy for f in rule(repo, proposal)]


def errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "error"]
