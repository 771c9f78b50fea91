"""Promotions in a change of ``.gitml/stages.toml``, checked against the registry rules and the policy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, NamedTuple

from gitml.config import STAGES_FILE, Settings
from gitml.errors import InvalidRecord
from gitml.governance.engine import check_promotion, held_stages
from gitml.governance.findings import Finding, Proposal
from gitml.governance.policy import policy_at
from gitml.governance.rules import RuleContext, needs_history
from gitml.registry.rules import RulesAt
from gitml.registry.stagefile import Assignments, diff, parse
from gitml.registry.store import RegistryIndex, load_version, registry_collection
from gitml.registry.trust import LogJudgement
from gitml.storage import REGISTRY_REF
from gitml.storage.collection import Snapshot
from gitml.storage.history import first_parent
from gitml.storage.repo import GitRepo
from gitml.storage.tracked import read_file_at

if TYPE_CHECKING:
    from gitml.records.shapes import JsonObject, StageEventRecord


class PromotionCheck(NamedTuple):
    proposal: Proposal
    commit: str | None
    findings: list[Finding]

    def as_dict(self) -> JsonObject:
        p = self.proposal
        return {
            "model": p.model,
            "version": p.version,
            "stage": p.stage,
            "commit": self.commit,
            "current": p.current["version"] if p.current is not None else None,
            "findings": [f.as_dict() for f in self.findings],
        }


def _parse(data: bytes | None, where: str, settings: Settings) -> Assignments:
    if data is None:
        return {}
    return parse(data, where=where, settings=settings).assignments


def promotions(
    repo: GitRepo,
    settings: Settings,
    before: bytes | None,
    after: bytes | None,
    *,
    where: str,
    policy_commit: str | None,
    ctx: RuleContext,
    snap: Snapshot | None = None,
    applied: Assignments | None = None,
    judged: LogJudgement | None = None,
    index: RegistryIndex | None = None,
) -> tuple[list[PromotionCheck], list[Finding]]:
    """(each promotion with its findings, findings about the file itself).

    ``applied``: compare ``after`` with these assignments (the applied state) instead of
    with ``before``. ``judged``: the stage log's judgement the caller already holds, used
    where it answers for ``snap``, ``settings`` and the context's environment; ``index``:
    the registry's index, when the caller holds it open.
    """
    try:
        old = (
            applied if applied is not None else _parse(before, f"{STAGES_FILE} (before)", settings)
        )
    except InvalidRecord:
        old = {}
    try:
        new = _parse(after, where, settings)
    except InvalidRecord as exc:
        return [], [
            Finding("schema", f"{exc}; fix the file (see `git ml validate`)", file=STAGES_FILE)
        ]
    snap = snap or registry_collection(repo).snapshot()
    if snap.tip is None and diff(old, new):
        return [], [
            Finding(
                "registered",
                f"{REGISTRY_REF} does not exist in this clone, so no promotion can be checked; "
                "fetch gitml's records first (`git ml pull`, or `git ml fetch --ci` in CI)",
            )
        ]
    try:
        policy = policy_at(repo, policy_commit)
    except InvalidRecord as exc:
        return [], [Finding("policy", str(exc), file=".gitml/policy.toml")]
    out: list[PromotionCheck] = []
    problems: list[Finding] = []
    tip = str(snap.tip) if snap.tip is not None else None
    trust = (
        judged.trust
        if judged is not None and judged.holds_for(repo, tip, settings, ctx.env)
        else None
    )
    for t in diff(old, new):
        if t.action != "assign" or t.stage in settings.terminal_stages:
            continue
        field_ = f"models.{t.model}.{t.stage}"
        candidate = load_version(snap, t.model, t.version)
        if candidate is None:
            problems.append(
                Finding(
                    "registered",
                    f"{t.model} {t.version} is not a registered version; register it "
                    "(`git ml model register`) and push refs/gitml/registry",
                    field=field_,
                )
            )
            continue
        current = load_version(snap, t.model, t.previous) if t.previous else None
        proposal = Proposal(
            action="promote",
            model=t.model,
            version=t.version,
            stage=t.stage,
            before=old,
            after=new,
            candidate=candidate,
            current=current,
            settings=settings,
        )
        history = (
            held_stages(repo, settings, ctx.env, t.model, t.version, trust=trust, index=index)
            if needs_history(policy, t.model, t.stage)
            else frozenset()
        )
        pctx = ctx._replace(history=history | ctx.history)
        found = check_promotion(repo, proposal, policy=policy, ctx=pctx)
        out.append(PromotionCheck(proposal, ctx.commit, found))
    return out, problems


def check_events(
    repo: GitRepo,
    events: list[StageEventRecord],
    snap: Snapshot,
    env: Mapping[str, str],
    *,
    bases: Mapping[str, str | None],
    judged: LogJudgement | None = None,
    index: RegistryIndex | None = None,
) -> list[Finding]:
    """Error findings of the promotions among ``events`` (what ``registry apply`` refuses).

    Each commit is judged by the rules (policy, stage configuration, allowed signers) at
    the base of its landing (``bases``: the branch before the change landed), never by
    rules the change itself brings; ``require_signed`` verifies the commit's own
    signature (the merge commit for a pull request). ``judged``: the stage log's
    judgement the caller already holds (``promotions``); ``index``: the registry's index,
    when the caller holds it open.
    """
    earlier: set[tuple[str, str, str]] = set()
    out: list[Finding] = []
    commits = list(dict.fromkeys(str(e["commit"]) for e in events))
    for commit in commits:
        mine = [e for e in events if e["commit"] == commit]
        wanted = {(e["model"], e["version"], e["stage"]) for e in mine if e["action"] == "assign"}
        parent = first_parent(repo, commit)
        base = bases.get(commit, parent)
        before = read_file_at(repo, parent, STAGES_FILE) if parent else None
        after = read_file_at(repo, commit, STAGES_FILE)
        where = f"{STAGES_FILE} (commit {commit[:12]})"
        ctx = RuleContext(commit=commit, env=env, history=frozenset(earlier), rules=base or commit)
        target = RulesAt(repo, base or commit)
        found, problems = promotions(
            repo,
            target.settings,
            before,
            after,
            where=where,
            policy_commit=base or commit,
            ctx=ctx,
            snap=snap,
            judged=judged,
            index=index,
        )
        out.extend(f for f in problems if f.severity == "error")
        for check in found:
            p = check.proposal
            if (p.model, p.version, p.stage) in wanted:
                out.extend(
                    Finding(
                        rule=f.rule,
                        message=f"{f.message} (commit {commit[:12]})",
                        file=f.file,
                        field=f.field,
                    )
                    for f in check.findings
                    if f.severity == "error"
                )
        earlier |= {(e["model"], e["version"], e["stage"]) for e in mine if e["action"] == "assign"}
    return out
